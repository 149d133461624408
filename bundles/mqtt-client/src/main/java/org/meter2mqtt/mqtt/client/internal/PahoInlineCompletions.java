package org.meter2mqtt.mqtt.client.internal;

import java.util.ArrayList;
import java.util.List;

import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassVisitor;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.Label;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;

/**
 * Completes Paho 1.2.5's deliveries on the thread that learns of them (the receiver at a PUBACK, the sender after
 * writing a QoS 0 PUBLISH) instead of handing each to the callback thread, as bytecode changed when
 * {@code CommsCallback} is loaded (the OSGi glue is {@link PahoWeaving}).
 *
 * <p>Why: {@code asyncOperationComplete} queues every completed token for the callback thread and notifies it; that
 * thread then frees the in-flight slot ({@code ClientState.notifyComplete}) and calls {@code deliveryComplete}.
 * When messages trickle in (2000 meter messages/s from 1000 meters) every acknowledgement wakes it: a futex wake and
 * two context switches per message for a few microseconds of work (bench/kpm33b: "Paho's callback thread", 1.1 % of
 * a core, 2500 wake-ups/s). It also leaves the slot counted full for a moment after a waiter was let go, which is
 * how a publish right after a completed one could be refused with "too many publishes in progress".
 *
 * <p>The change: a delivery token without an action listener is completed at once, by Paho's own
 * {@code handleActionComplete} (the path Paho already takes when its callback thread is not running). Connects,
 * subscribes, pings and publishes with an action listener still go to the callback thread. The locks are the ones
 * that path takes anyway, in the order the sender already takes them for QoS 0 (the token, then the queue lock), and
 * {@code deliveryComplete} then runs on the receiver or sender thread: the gateway's listeners only set a flag and
 * release a semaphore ({@code MqttConnection.Listener.delivered}). Only a method of exactly the expected shape is
 * changed; anything else is left as Paho ships it ({@link #patch} returns null).
 */
final class PahoInlineCompletions {

    /** The class this patches, by its binary name. */
    static final String CLASS = "org.eclipse.paho.client.mqttv3.internal.CommsCallback";

    private static final String OWNER = CLASS.replace('.', '/');
    private static final String METHOD = "asyncOperationComplete";
    private static final String TOKEN = "org/eclipse/paho/client/mqttv3/MqttToken";
    private static final String DESCRIPTOR = "(L" + TOKEN + ";)V";
    private static final String DELIVERY_TOKEN = "org/eclipse/paho/client/mqttv3/MqttDeliveryToken";
    private static final String LISTENER = "org/eclipse/paho/client/mqttv3/IMqttActionListener";
    /** The added helper: whether a token still goes to the callback thread. */
    private static final String QUEUED = "meter2mqttQueued";
    private static final String QUEUED_DESCRIPTOR = "(L" + TOKEN + ";)Z";

    private PahoInlineCompletions() {
    }

    /** Paho's class with deliveries completed inline, or null when it is not the class this was made for. */
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
                return METHOD.equals(name) && DESCRIPTOR.equals(descriptor) ? new QueueOnlyWhatNeedsIt(mv) : mv;
            }

            @Override
            public void visitEnd() {
                addQueued(cv);
                super.visitEnd();
            }
        }, 0);
        return writer.toByteArray();
    }

    /**
     * {@code private static boolean meter2mqttQueued(MqttToken t)}: {@code !(t instanceof MqttDeliveryToken) ||
     * t.getActionCallback() != null}. Its one branch target has the method's initial locals and an empty stack: a
     * SAME frame.
     */
    private static void addQueued(ClassVisitor cv) {
        MethodVisitor m = cv.visitMethod(Opcodes.ACC_PRIVATE | Opcodes.ACC_STATIC | Opcodes.ACC_SYNTHETIC, QUEUED,
                QUEUED_DESCRIPTOR, null, null);
        m.visitCode();
        Label queued = new Label();
        m.visitVarInsn(Opcodes.ALOAD, 0);
        m.visitTypeInsn(Opcodes.INSTANCEOF, DELIVERY_TOKEN);
        m.visitJumpInsn(Opcodes.IFEQ, queued);
        m.visitVarInsn(Opcodes.ALOAD, 0);
        m.visitMethodInsn(Opcodes.INVOKEVIRTUAL, TOKEN, "getActionCallback", "()L" + LISTENER + ";", false);
        m.visitJumpInsn(Opcodes.IFNONNULL, queued);
        m.visitInsn(Opcodes.ICONST_0);
        m.visitInsn(Opcodes.IRETURN);
        m.visitLabel(queued);
        m.visitFrame(Opcodes.F_SAME, 0, null, 0, null);
        m.visitInsn(Opcodes.ICONST_1);
        m.visitInsn(Opcodes.IRETURN);
        m.visitMaxs(0, 0);
        m.visitEnd();
    }

    /**
     * After {@code if (isRunning())}, adds {@code if (meter2mqttQueued(token))} with the same target (the inline
     * path): {@code isRunning() && meter2mqttQueued(token)} queues.
     */
    private static final class QueueOnlyWhatNeedsIt extends AfterCheckJump {

        QueueOnlyWhatNeedsIt(MethodVisitor mv) {
            super(mv, OWNER, "isRunning", "()Z", Opcodes.IFEQ);
        }

        @Override
        void insert(Label target) {
            mv.visitVarInsn(Opcodes.ALOAD, 1);
            mv.visitMethodInsn(Opcodes.INVOKESTATIC, OWNER, QUEUED, QUEUED_DESCRIPTOR, false);
            mv.visitJumpInsn(Opcodes.IFEQ, target);
        }
    }

    /**
     * Paho 1.2.5's shape: that name, no helper of ours yet, a private {@code handleActionComplete(MqttToken)}, and an
     * {@code asyncOperationComplete(MqttToken)} that tests {@code isRunning()} exactly once, queues on
     * {@code completeQueue} and otherwise calls {@code handleActionComplete}.
     */
    private static final class Shape extends ClassVisitor {
        boolean named;
        boolean handler;
        boolean ours;
        final List<String> body = new ArrayList<>();
        boolean seen;

        Shape() {
            super(Opcodes.ASM9);
        }

        @Override
        public void visit(int version, int access, String name, String signature, String superName,
                String[] interfaces) {
            named = OWNER.equals(name);
        }

        @Override
        public MethodVisitor visitMethod(int access, String name, String descriptor, String signature,
                String[] exceptions) {
            ours |= QUEUED.equals(name);
            handler |= "handleActionComplete".equals(name) && DESCRIPTOR.equals(descriptor);
            if (!METHOD.equals(name) || !DESCRIPTOR.equals(descriptor)) {
                return null;
            }
            seen = true;
            return new MethodVisitor(Opcodes.ASM9) {
                @Override
                public void visitMethodInsn(int opcode, String owner, String mname, String mdesc, boolean itf) {
                    body.add(owner + "." + mname + mdesc);
                }

                @Override
                public void visitFieldInsn(int opcode, String owner, String fname, String fdesc) {
                    body.add(owner + "." + fname);
                }
            };
        }

        boolean fits() {
            return named && handler && !ours && seen
                    && body.stream().filter(s -> s.equals(OWNER + ".isRunning()Z")).count() == 1
                    && body.contains(OWNER + ".completeQueue")
                    && body.contains(OWNER + ".handleActionComplete" + DESCRIPTOR);
        }
    }
}
