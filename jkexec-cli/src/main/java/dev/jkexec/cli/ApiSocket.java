package dev.jkexec.cli;

import dev.jkexec.platform.JkexecException;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * Where the API's socket goes, and the rules for its file: the default lives in
 * {@code $TMPDIR/jkexec-$USER/} (a directory of ours, mode 0700 whatever the umask), the socket
 * itself is mode 0600; {@code --api PATH} never replaces anything but a stale socket (a regular
 * file, a directory, a link or a live machine's socket there is refused by name).
 */
final class ApiSocket {
    static final Set<PosixFilePermission> DIRECTORY = PosixFilePermissions.fromString("rwx------");
    static final Set<PosixFilePermission> SOCKET = PosixFilePermissions.fromString("rw-------");
    private static final int S_IFMT = 0170000;
    private static final int S_IFSOCK = 0140000;

    private ApiSocket() {
    }

    /** The directory of this user's machines' sockets. */
    static Path directory() {
        return Path.of(System.getProperty("java.io.tmpdir"), "jkexec-" + System.getProperty("user.name"));
    }

    /** The default socket of this process. */
    static Path defaultPath() {
        return directory().resolve("jkexec-" + ProcessHandle.current().pid() + ".sock");
    }

    /** Makes the socket's place ready: its directory (0700 when it is ours to create or the default), no file in the way. */
    static void prepare(Path socket, boolean isDefault) {
        Path dir = socket.toAbsolutePath().getParent();
        try {
            if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
                Files.createDirectories(dir);
                Files.setPosixFilePermissions(dir, DIRECTORY);
            } else if (isDefault) {
                if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)
                        || !Files.getOwner(dir, LinkOption.NOFOLLOW_LINKS).getName().equals(System.getProperty("user.name"))) {
                    throw new JkexecException("--api: " + dir + " is not a directory of " + System.getProperty("user.name") + "'s");
                }
                Files.setPosixFilePermissions(dir, DIRECTORY);
            }
            if (Files.exists(socket, LinkOption.NOFOLLOW_LINKS)) {
                if (!isSocket(socket)) {
                    throw new JkexecException("--api: " + socket + " exists and is not a socket; refusing to replace it");
                }
                if (live(socket)) {
                    throw new JkexecException("--api: " + socket + " is the socket of a running machine");
                }
                Files.delete(socket); // a stale socket: nobody listens there any more
            }
        } catch (IOException e) {
            throw new JkexecException("--api " + socket + ": " + e.getMessage(), e);
        }
    }

    /** After bind: the socket is its owner's only (0600). */
    static void restrict(Path socket) {
        try {
            Files.setPosixFilePermissions(socket, SOCKET);
        } catch (IOException e) {
            throw new JkexecException("--api " + socket + ": " + e.getMessage(), e);
        }
    }

    static boolean isSocket(Path p) throws IOException {
        Object mode = Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS);
        return mode instanceof Integer m && (m & S_IFMT) == S_IFSOCK;
    }

    /** Whether something accepts connections on {@code socket}. */
    static boolean live(Path socket) {
        try (SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            c.connect(UnixDomainSocketAddress.of(socket));
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
