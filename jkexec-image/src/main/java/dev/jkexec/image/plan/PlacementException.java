package dev.jkexec.image.plan;

import dev.jkexec.platform.JkexecException;

/**
 * A segment of an image cannot be placed: no free memory satisfies its size, alignment and
 * bounds, or a fixed address (an ELF {@code p_paddr}, a non-relocatable kernel) is not free RAM.
 * {@link #what()} names the segment ({@code "kernel"}, {@code "initrd"}).
 */
public class PlacementException extends JkexecException {
    private final String what;

    public PlacementException(String what, String message) {
        super(what + ": " + message);
        this.what = what;
    }

    public String what() {
        return what;
    }
}
