package dev.tandem.postgres;

/** PostgreSQL's table lock modes, weakest first, as a recipe step declares the lock it takes. */
public enum LockMode {
    NONE("no table lock"),
    ACCESS_SHARE("ACCESS SHARE"),
    ROW_EXCLUSIVE("ROW EXCLUSIVE"),
    SHARE_UPDATE_EXCLUSIVE("SHARE UPDATE EXCLUSIVE (does not block reads or writes)"),
    SHARE("SHARE (blocks writes)"),
    SHARE_ROW_EXCLUSIVE("SHARE ROW EXCLUSIVE (blocks writes, briefly)"),
    ACCESS_EXCLUSIVE("ACCESS EXCLUSIVE (blocks everything, briefly)");

    private final String label;

    LockMode(String label) {
        this.label = label;
    }

    /** A human description of the lock and what it blocks. */
    public String label() {
        return label;
    }
}
