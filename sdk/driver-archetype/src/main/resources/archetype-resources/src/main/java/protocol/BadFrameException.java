package ${package}.protocol;

/** The bytes are not a valid frame (bad checksum, missing field, garbage). Bad data, not a lost link. */
public final class BadFrameException extends Exception {

    private static final long serialVersionUID = 1L;

    public BadFrameException(String message) {
        super(message);
    }
}
