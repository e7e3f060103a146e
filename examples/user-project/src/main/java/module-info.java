/** A user's module: it needs dev.jot alone. */
module dev.jot.user {
    requires dev.jot;
}
