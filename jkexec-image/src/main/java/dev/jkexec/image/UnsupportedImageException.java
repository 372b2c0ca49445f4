package dev.jkexec.image;

/**
 * Input that is well formed as far as jkexec can tell, but uses something jkexec does not
 * implement (a compression feature, a protocol version, an entry mode the kernel lacks): the data
 * is not damaged, jkexec is the limit. {@link ImageFormatException} itself means the bytes are
 * damaged or malformed.
 *
 * <p>The message reads {@code field: unsupported: ...}, so a user can tell the two apart from
 * the one line the command line prints.
 */
public class UnsupportedImageException extends ImageFormatException {
    public UnsupportedImageException(String field, String value, String message) {
        super(field, value, "unsupported: " + message);
    }

    public UnsupportedImageException(String field, String value, String message, Throwable cause) {
        super(field, value, "unsupported: " + message, cause);
    }
}
