package dev.jkexec.cli.errors;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jkexec.platform.testing.Pure;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * docs/errors.md lists every message the code can produce: each construction site that
 * {@link MessageSites} finds in the main sources must be covered by a pattern of the catalogue
 * (its literal fragments occur in the pattern, in order). The unit checks show the test failing
 * on a missing entry, and the scanner reading what it must.
 */
@Pure
class ErrorCatalogueTest {
    static final Path ROOT = Path.of(System.getProperty("jkexec.root", ".."));
    private static final Pattern ROW = Pattern.compile("^\\|\\s*`([^`]+)`");

    /** The patterns of the catalogue: the first backticked text of each table row. */
    static List<String> patterns(String markdown) {
        List<String> out = new ArrayList<>();
        for (String line : markdown.split("\n")) {
            Matcher m = ROW.matcher(line);
            if (m.find()) {
                out.add(normalize(line.substring(m.start(1))));
            }
        }
        return out;
    }

    /**
     * Whether some pattern holds every fragment of {@code site}, in order. (A row's whole text after
     * its first backtick is searched, so that a row can give alternatives: {@code (also `x`, `y`)}.)
     */
    static boolean covered(MessageSites.Site site, List<String> patterns) {
        for (String p : patterns) {
            int at = 0;
            boolean all = true;
            for (String f : site.fragments()) {
                int i = p.indexOf(normalize(f), at);
                if (i < 0) {
                    all = false;
                    break;
                }
                at = i + normalize(f).length();
            }
            if (all) {
                return true;
            }
        }
        return false;
    }

    /** Whitespace collapsed, and the escapes markdown needs inside a table ({@code \|}) undone. */
    static String normalize(String s) {
        return s.replace("\\|", "|").replace('`', '\'').replaceAll("\\s+", " ");
    }

    @Test
    void every_message_of_the_code_is_in_the_catalogue() throws IOException {
        List<String> patterns = patterns(Files.readString(ROOT.resolve("docs/errors.md")));
        List<MessageSites.Site> sites = MessageSites.scan(ROOT);
        assertThat(sites).as("construction sites found in the main sources").hasSizeGreaterThan(300);
        List<String> missing = new ArrayList<>();
        for (MessageSites.Site s : sites) {
            if (!s.fragments().isEmpty() && !covered(s, patterns)) {
                missing.add(ROOT.relativize(s.file()) + ":" + s.line() + " new " + s.type() + " " + s.fragments());
            }
        }
        assertThat(missing).as("messages missing from docs/errors.md (add a row: see its \"How to add an entry\")").isEmpty();
    }

    @Test
    void a_message_missing_from_the_catalogue_fails() {
        String source = """
                class Widget {
                    void check(int v) {
                        // new KexecException(EINVAL, "commented", "out")
                        if (v > 3) throw new KexecException(EINVAL, "widget.size", v + " is not a sprocket (0x%x, \\"quoted\\")");
                        throw new ImageFormatException("widget.magic", "0x" + v, String.format("%d != %d sprockets", v, 3));
                    }
                }
                """;
        List<MessageSites.Site> sites = MessageSites.scan(Path.of("Widget.java"), source, Set.of("KexecException", "ImageFormatException"));
        assertThat(sites).hasSize(2);
        assertThat(sites.get(0).fragments()).containsExactly("widget.size", "is not a sprocket (0x", ", \"quoted\")");
        assertThat(sites.get(0).errno()).isEqualTo("EINVAL");
        assertThat(sites.get(0).line()).isEqualTo(4);
        assertThat(sites.get(1).fragments()).as("the value argument is not in the message").containsExactly("widget.magic", "sprockets")
                .doesNotContain("0x");

        List<String> without = patterns("""
                | `widget.magic: <…> != <…> sprockets` | | Fix it. | x |
                | `widget.size: <…> is a sprocket` | -EINVAL | Fix it. | x |
                """);
        assertThat(covered(sites.get(0), without)).as("no entry holds 'is not a sprocket'").isFalse();
        assertThat(covered(sites.get(1), without)).isTrue();
        List<String> with = patterns("""
                | `widget.size: <…> is not a sprocket (0x<…>, "quoted") (-EINVAL)` | -EINVAL | Give a sprocket. | x |
                """);
        assertThat(covered(sites.get(0), with)).isTrue();
        assertThat(covered(sites.get(0), patterns("| `\"quoted\") widget.size is not a sprocket (0x` | | | |")))
                .as("fragments out of order").isFalse();
    }

    @Test
    void subclasses_are_found_transitively() {
        Set<String> types = MessageSites.types(List.of("class A extends JkexecException {}", "class B extends A {}",
                "class C extends RuntimeException {}"));
        assertThat(types).contains("A", "B").doesNotContain("C");
    }
}
