package org.meter2mqtt.mqtt.client.internal;

import org.objectweb.asm.Label;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;

/**
 * Adds code right after a check: the first {@code invokevirtual} of a given boolean method directly followed by a
 * conditional jump of a given kind. There the locals are the method's and the stack is empty, so the added code may
 * jump to the same target, which already has its frame: the method's frames stay valid without recomputing them
 * (which would load classes from inside a weaving hook). The patches check the method's shape first.
 */
abstract class AfterCheckJump extends MethodVisitor {

    private final String owner;
    private final String name;
    private final String descriptor;
    private final int jump;
    private boolean afterCall;
    private boolean done;

    AfterCheckJump(MethodVisitor mv, String owner, String name, String descriptor, int jump) {
        super(Opcodes.ASM9, mv);
        this.owner = owner;
        this.name = name;
        this.descriptor = descriptor;
        this.jump = jump;
    }

    /** Adds the code through {@code mv}; {@code target} is the check's jump target. */
    abstract void insert(Label target);

    @Override
    public void visitMethodInsn(int opcode, String o, String n, String d, boolean itf) {
        super.visitMethodInsn(opcode, o, n, d, itf);
        afterCall = !done && opcode == Opcodes.INVOKEVIRTUAL && owner.equals(o) && name.equals(n)
                && descriptor.equals(d);
    }

    @Override
    public void visitJumpInsn(int opcode, Label label) {
        super.visitJumpInsn(opcode, label);
        if (afterCall && opcode == jump) {
            insert(label);
            done = true;
        }
        afterCall = false;
    }

    @Override
    public void visitVarInsn(int opcode, int var) {
        super.visitVarInsn(opcode, var);
        afterCall = false;
    }

    @Override
    public void visitFieldInsn(int opcode, String o, String n, String d) {
        super.visitFieldInsn(opcode, o, n, d);
        afterCall = false;
    }

    @Override
    public void visitInsn(int opcode) {
        super.visitInsn(opcode);
        afterCall = false;
    }

    @Override
    public void visitTypeInsn(int opcode, String type) {
        super.visitTypeInsn(opcode, type);
        afterCall = false;
    }

    @Override
    public void visitLdcInsn(Object value) {
        super.visitLdcInsn(value);
        afterCall = false;
    }

    @Override
    public void visitIntInsn(int opcode, int operand) {
        super.visitIntInsn(opcode, operand);
        afterCall = false;
    }
}
