package org.meter2mqtt.mqtt.client.internal;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassVisitor;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.FieldVisitor;
import org.objectweb.asm.Label;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;

/**
 * Spares Paho 1.2.5's sender thread a wake-up at every acknowledgement, as bytecode changed when
 * {@code ClientState} is loaded (the OSGi glue is {@link PahoWeaving}).
 *
 * <p>The sender waits on {@code ClientState}'s queue lock for work: a packet to send, or room in the in-flight
 * window for a queued PUBLISH. {@code decrementInFlight}, run for every PUBACK, notifies that lock each time. When
 * no PUBLISH is queued, as whenever the sender keeps up (at 2000 meter messages/s it is idle between messages), the
 * sender wakes, finds nothing and waits again: a futex wake and two context switches per message for nothing
 * (bench/kpm33b: "the callback thread wakes the sender once more for nothing").
 *
 * <p>The change: notify only when a PUBLISH is queued ({@code !pendingMessages.isEmpty()}), the one case where
 * room in the window lets the sender go on. The other reasons it waits for are notified where they arise: a new
 * PUBLISH or flow in {@code send}, the CONNACK in {@code notifyReceivedAck}, a stopping sender in
 * {@code notifyQueueLock}. Everything is still decided under the queue lock, which {@code decrementInFlight} holds.
 * Only a method of exactly the expected shape is changed; anything else is left as Paho ships it ({@link #patch}
 * returns null).
 */
final class PahoInFlightWakes {

    /** The class this patches, by its binary name. */
    static final String CLASS = "org.eclipse.paho.client.mqttv3.internal.ClientState";

    private static final String OWNER = CLASS.replace('.', '/');
    private static final String METHOD = "decrementInFlight";
    private static final String VECTOR = "java/util/Vector";

    /** {@code if (!checkQuiesceLock()) queueLock.notifyAll();} as Paho 1.2.5 is compiled. */
    private static final List<String> NOTIFY = List.of(
            "method " + Opcodes.INVOKEVIRTUAL + " " + OWNER + ".checkQuiesceLock()Z",
            "jump " + Opcodes.IFNE,
            "var " + Opcodes.ALOAD + " 0",
            "field " + Opcodes.GETFIELD + " " + OWNER + ".queueLock Ljava/lang/Object;",
            "method " + Opcodes.INVOKEVIRTUAL + " java/lang/Object.notifyAll()V");

    private PahoInFlightWakes() {
    }

    /** Paho's class with the notify made conditional, or null when it is not the class this was made for. */
    static byte[] patch(byte[] original) {
        ClassReader reader = new ClassReader(original);
        Shape shape = new Shape();
        reader.accept(shape, ClassReader.SKIP_DEBUG | ClassReader.SKIP_FRAMES);
        if (!shape.fits()) {
            return null;
        }
        ClassWriter writer = new ClassWriter(reader, ClassWriter.COMPUTE_MAXS);
        reader.accept(new ClassVisitor(Opcodes.ASM9, writer) {
            @Override
            public MethodVisitor visitMethod(int access, String name, String descriptor, String signature,
                    String[] exceptions) {
                MethodVisitor mv = super.visitMethod(access, name, descriptor, signature, exceptions);
                return METHOD.equals(name) && "()V".equals(descriptor) ? new OnlyWithQueuedPublishes(mv) : mv;
            }
        }, 0);
        return writer.toByteArray();
    }

    /**
     * After {@code if (!checkQuiesceLock())}, adds {@code if (!pendingMessages.isEmpty())} with the same target:
     * both skip the notify.
     */
    private static final class OnlyWithQueuedPublishes extends AfterCheckJump {

        OnlyWithQueuedPublishes(MethodVisitor mv) {
            super(mv, OWNER, "checkQuiesceLock", "()Z", Opcodes.IFNE);
        }

        @Override
        void insert(Label target) {
            mv.visitVarInsn(Opcodes.ALOAD, 0);
            mv.visitFieldInsn(Opcodes.GETFIELD, OWNER, "pendingMessages", "L" + VECTOR + ";");
            mv.visitMethodInsn(Opcodes.INVOKEVIRTUAL, VECTOR, "isEmpty", "()Z", false);
            mv.visitJumpInsn(Opcodes.IFNE, target);
        }
    }

    /**
     * Paho 1.2.5's shape: that name, an instance field {@code pendingMessages} of type Vector, and a
     * {@code decrementInFlight()} whose code has the unconditional notify exactly once.
     */
    private static final class Shape extends ClassVisitor {
        boolean named;
        boolean pendingMessages;
        final List<List<String>> bodies = new ArrayList<>();

        Shape() {
            super(Opcodes.ASM9);
        }

        @Override
        public void visit(int version, int access, String name, String signature, String superName,
                String[] interfaces) {
            named = OWNER.equals(name);
        }

        @Override
        public FieldVisitor visitField(int access, String name, String descriptor, String signature, Object value) {
            pendingMessages |= (access & Opcodes.ACC_STATIC) == 0 && "pendingMessages".equals(name)
                    && ("L" + VECTOR + ";").equals(descriptor);
            return null;
        }

        @Override
        public MethodVisitor visitMethod(int access, String name, String descriptor, String signature,
                String[] exceptions) {
            if (!METHOD.equals(name) || !"()V".equals(descriptor)) {
                return null;
            }
            List<String> body = new ArrayList<>();
            bodies.add(body);
            return new Recorder(body);
        }

        boolean fits() {
            return named && pendingMessages && bodies.size() == 1
                    && Collections.indexOfSubList(bodies.get(0), NOTIFY) >= 0
                    && Collections.indexOfSubList(bodies.get(0), NOTIFY)
                            == Collections.lastIndexOfSubList(bodies.get(0), NOTIFY);
        }
    }

    /** A method's instructions as text (labels, frames and line numbers left out), to compare with a pattern. */
    private static final class Recorder extends MethodVisitor {
        private final List<String> out;

        Recorder(List<String> out) {
            super(Opcodes.ASM9);
            this.out = out;
        }

        @Override
        public void visitInsn(int opcode) {
            out.add("insn " + opcode);
        }

        @Override
        public void visitIntInsn(int opcode, int operand) {
            out.add("int " + opcode + " " + operand);
        }

        @Override
        public void visitVarInsn(int opcode, int var) {
            out.add("var " + opcode + " " + var);
        }

        @Override
        public void visitTypeInsn(int opcode, String type) {
            out.add("type " + opcode + " " + type);
        }

        @Override
        public void visitFieldInsn(int opcode, String owner, String name, String descriptor) {
            out.add("field " + opcode + " " + owner + "." + name + " " + descriptor);
        }

        @Override
        public void visitMethodInsn(int opcode, String owner, String name, String descriptor, boolean itf) {
            out.add("method " + opcode + " " + owner + "." + name + descriptor);
        }

        @Override
        public void visitJumpInsn(int opcode, Label label) {
            out.add("jump " + opcode);
        }

        @Override
        public void visitLdcInsn(Object value) {
            out.add("ldc " + value);
        }

        @Override
        public void visitIincInsn(int var, int increment) {
            out.add("iinc " + var + " " + increment);
        }

        @Override
        public void visitTableSwitchInsn(int min, int max, Label dflt, Label... labels) {
            out.add("tableswitch");
        }

        @Override
        public void visitLookupSwitchInsn(Label dflt, int[] keys, Label[] labels) {
            out.add("lookupswitch");
        }

        @Override
        public void visitInvokeDynamicInsn(String name, String descriptor, org.objectweb.asm.Handle bsm,
                Object... args) {
            out.add("indy " + name + descriptor);
        }

        @Override
        public void visitMultiANewArrayInsn(String descriptor, int dims) {
            out.add("multianewarray " + descriptor);
        }
    }
}
