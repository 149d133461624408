package org.meter2mqtt.mqtt.client.internal;

import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassVisitor;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.FieldVisitor;
import org.objectweb.asm.Label;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;

/**
 * Gives Paho 1.2.5's {@code CountingInputStream} the block read it lacks, as bytecode added when the class is
 * loaded (the OSGi glue is {@link PahoWeaving}).
 *
 * <p>Paho decodes every packet it receives from a byte array through that stream, which overrides only
 * {@code read()}: {@code readFully} of a PUBLISH's body then runs byte by byte, each a virtual call into
 * {@code ByteArrayInputStream}'s synchronized {@code read()}, and twice per packet (the body, then the payload
 * inside it). With Mosquitto as the internal broker that was two thirds of the CPU of the KPM33B driver's Paho
 * receiver thread, about 25 µs per 584-byte meter message (bench/kpm33b, async-profiler, twenty-fifth session).
 *
 * <p>The added method is what the class means: {@code n = in.read(b, off, len)}, the counter grows by {@code n}
 * when {@code n > 0}. Only a class of exactly the expected shape is changed; anything else is left as Paho ships
 * it ({@link #patch} returns null), so a later Paho is never broken by it, at worst not sped up.
 */
final class PahoBlockReads {

    /** The class this patches, by its binary name. */
    static final String CLASS = "org.eclipse.paho.client.mqttv3.internal.wire.CountingInputStream";

    private static final String OWNER = CLASS.replace('.', '/');
    private static final String INPUT = "java/io/InputStream";

    private PahoBlockReads() {
    }

    /** Paho's class with {@code read(byte[], int, int)} added, or null when it is not the class this was made for. */
    static byte[] patch(byte[] original) {
        ClassReader reader = new ClassReader(original);
        Shape shape = new Shape();
        reader.accept(shape, ClassReader.SKIP_CODE | ClassReader.SKIP_DEBUG | ClassReader.SKIP_FRAMES);
        if (!shape.fits()) {
            return null;
        }
        ClassWriter writer = new ClassWriter(reader, ClassWriter.COMPUTE_MAXS);
        reader.accept(new ClassVisitor(Opcodes.ASM9, writer) {
            @Override
            public void visitEnd() {
                addBlockRead(cv, shape.version >= Opcodes.V1_6);
                super.visitEnd();
            }
        }, 0);
        return writer.toByteArray();
    }

    /** public int read(byte[] b, int off, int len) { int n = in.read(b, off, len); if (n > 0) counter += n; return n; } */
    private static void addBlockRead(ClassVisitor cv, boolean frames) {
        MethodVisitor m = cv.visitMethod(Opcodes.ACC_PUBLIC, "read", "([BII)I", null,
                new String[] {"java/io/IOException"});
        m.visitCode();
        m.visitVarInsn(Opcodes.ALOAD, 0);
        m.visitFieldInsn(Opcodes.GETFIELD, OWNER, "in", "L" + INPUT + ";");
        m.visitVarInsn(Opcodes.ALOAD, 1);
        m.visitVarInsn(Opcodes.ILOAD, 2);
        m.visitVarInsn(Opcodes.ILOAD, 3);
        m.visitMethodInsn(Opcodes.INVOKEVIRTUAL, INPUT, "read", "([BII)I", false);
        m.visitVarInsn(Opcodes.ISTORE, 4);
        Label done = new Label();
        m.visitVarInsn(Opcodes.ILOAD, 4);
        m.visitJumpInsn(Opcodes.IFLE, done);
        m.visitVarInsn(Opcodes.ALOAD, 0);
        m.visitInsn(Opcodes.DUP);
        m.visitFieldInsn(Opcodes.GETFIELD, OWNER, "counter", "I");
        m.visitVarInsn(Opcodes.ILOAD, 4);
        m.visitInsn(Opcodes.IADD);
        m.visitFieldInsn(Opcodes.PUTFIELD, OWNER, "counter", "I");
        m.visitLabel(done);
        if (frames) {
            m.visitFrame(Opcodes.F_APPEND, 1, new Object[] {Opcodes.INTEGER}, 0, null);
        }
        m.visitVarInsn(Opcodes.ILOAD, 4);
        m.visitInsn(Opcodes.IRETURN);
        m.visitMaxs(0, 0);
        m.visitEnd();
    }

    /** Paho 1.2.5's shape: that name, an InputStream, fields {@code in} and {@code counter}, no block read yet. */
    private static final class Shape extends ClassVisitor {
        int version;
        boolean named;
        boolean in;
        boolean counter;
        boolean hasBlockRead;

        Shape() {
            super(Opcodes.ASM9);
        }

        @Override
        public void visit(int version, int access, String name, String signature, String superName,
                String[] interfaces) {
            this.version = version & 0xFFFF;
            named = OWNER.equals(name) && INPUT.equals(superName);
        }

        @Override
        public FieldVisitor visitField(int access, String name, String descriptor, String signature, Object value) {
            boolean instance = (access & Opcodes.ACC_STATIC) == 0;
            in |= instance && "in".equals(name) && ("L" + INPUT + ";").equals(descriptor);
            counter |= instance && "counter".equals(name) && "I".equals(descriptor);
            return null;
        }

        @Override
        public MethodVisitor visitMethod(int access, String name, String descriptor, String signature,
                String[] exceptions) {
            hasBlockRead |= "read".equals(name) && "([BII)I".equals(descriptor);
            return null;
        }

        boolean fits() {
            return named && in && counter && !hasBlockRead;
        }
    }
}
