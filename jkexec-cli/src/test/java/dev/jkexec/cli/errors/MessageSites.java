package dev.jkexec.cli.errors;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Every place in the main sources that makes a message a user can meet: each {@code new X(...)}
 * of {@code JkexecException}, of a class that extends it (found in the sources, transitively), and
 * of picocli's {@code TypeConversionException} (an option's one-line error). A site's
 * <em>fragments</em> are the string literals of its arguments, in order, cut at format specifiers
 * ({@code %s}), each kept if it has a word of three letters or more; what is computed at run time
 * is not read. A catalogue entry covers a site when the site's fragments all occur in the entry's
 * pattern, in order. Forward-only over the text: comments, string literals and parentheses are
 * tracked so that the argument list ends where the call does.
 */
public final class MessageSites {
    /** What the user meets: the root type, and picocli's converter error. */
    static final Set<String> ROOTS = Set.of("JkexecException", "TypeConversionException");
    /** Arguments that are not part of the message: the value of an image field (kept beside it, not in it). */
    static final Set<String> VALUE_SECOND = Set.of("ImageFormatException", "UnsupportedImageException");
    private static final Pattern EXTENDS = Pattern.compile("class\\s+(\\w+)\\s+extends\\s+(\\w+)");
    private static final Pattern NEW = Pattern.compile("\\bnew\\s+(\\w+)\\s*\\(|\\b(super)\\s*\\(");
    private static final Pattern DECLARES = Pattern.compile("class\\s+(\\w+)\\s+extends");
    private static final Pattern FORMAT = Pattern.compile("%[-#+ 0,(]*\\d*(?:\\.\\d+)?[a-zA-Z%]");
    private static final Pattern WORD = Pattern.compile("[A-Za-z_]{3,}");

    /** One construction site. */
    public record Site(Path file, int line, String type, List<String> fragments, String errno) {
        @Override
        public String toString() {
            return file.getFileName() + ":" + line + " new " + type + " " + fragments;
        }
    }

    private MessageSites() {
    }

    /** The main Java sources of every module under {@code root}. */
    static List<Path> sources(Path root) {
        try (Stream<Path> modules = Files.list(root)) {
            List<Path> out = new ArrayList<>();
            for (Path m : modules.filter(p -> p.getFileName().toString().startsWith("jkexec-")).sorted().toList()) {
                Path main = m.resolve("src/main/java");
                if (Files.isDirectory(main)) {
                    try (Stream<Path> s = Files.walk(main)) {
                        s.filter(p -> p.toString().endsWith(".java")).sorted().forEach(out::add);
                    }
                }
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The user-facing exception types: the roots and whatever extends them, transitively. */
    static Set<String> types(List<String> texts) {
        Set<String> types = new LinkedHashSet<>(ROOTS);
        boolean grew = true;
        while (grew) {
            grew = false;
            for (String t : texts) {
                Matcher m = EXTENDS.matcher(t);
                while (m.find()) {
                    if (types.contains(m.group(2)) && types.add(m.group(1))) {
                        grew = true;
                    }
                }
            }
        }
        return types;
    }

    /** Every site under {@code root}. */
    public static List<Site> scan(Path root) {
        List<Path> files = sources(root);
        List<String> texts = files.stream().map(MessageSites::read).toList();
        Set<String> types = types(texts);
        List<Site> sites = new ArrayList<>();
        for (int i = 0; i < files.size(); i++) {
            sites.addAll(scan(files.get(i), texts.get(i), types));
        }
        return sites;
    }

    static List<Site> scan(Path file, String text, Set<String> types) {
        String code = blankComments(text);
        List<Site> sites = new ArrayList<>();
        Matcher declared = DECLARES.matcher(code);
        String declares = declared.find() ? declared.group(1) : "";
        Matcher m = NEW.matcher(code);
        while (m.find()) {
            // new X(...) of a user-facing type, or super(...) in a user-facing type's own constructor
            // (where the message of ImageDamagedException, RamSpaceException ... is made).
            String type = m.group(1) != null ? m.group(1) : declares;
            if (!types.contains(type)) {
                continue;
            }
            List<List<String>> args = arguments(code, m.end());
            List<String> fragments = new ArrayList<>();
            String errno = null;
            for (int a = 0; a < args.size(); a++) {
                if (a == 1 && VALUE_SECOND.contains(type)) {
                    continue;
                }
                for (String literal : args.get(a)) {
                    if (literal.startsWith("\u0000errno:")) {
                        errno = literal.substring(7);
                        continue;
                    }
                    for (String piece : FORMAT.split(literal)) {
                        String f = piece.strip();
                        if (WORD.matcher(f).find()) {
                            fragments.add(f);
                        }
                    }
                }
            }
            int line = 1 + (int) code.substring(0, m.start()).chars().filter(c -> c == '\n').count();
            sites.add(new Site(file, line, type, List.copyOf(fragments), errno));
        }
        return sites;
    }

    /**
     * The string literals of each argument of the call whose '(' ends at {@code from}. An argument
     * that is an errno constant alone ({@code EINVAL}, {@code Errno.EINVAL}) is given as
     * {@code "\0errno:EINVAL"}.
     */
    static List<List<String>> arguments(String code, int from) {
        List<List<String>> args = new ArrayList<>();
        List<String> current = new ArrayList<>();
        StringBuilder plain = new StringBuilder();
        int depth = 0;
        for (int i = from; i < code.length(); i++) {
            char c = code.charAt(i);
            if (c == '"') {
                StringBuilder lit = new StringBuilder();
                i++;
                for (; i < code.length() && code.charAt(i) != '"'; i++) {
                    char d = code.charAt(i);
                    if (d == '\\' && i + 1 < code.length()) {
                        i++;
                        char e = code.charAt(i);
                        lit.append(switch (e) {
                            case 'n' -> '\n';
                            case 't' -> '\t';
                            default -> e;
                        });
                    } else {
                        lit.append(d);
                    }
                }
                current.add(lit.toString());
                plain.append("\"\"");
            } else if (c == '\'') {
                int end = code.indexOf('\'', i + (code.charAt(i + 1) == '\\' ? 3 : 2));
                i = end < 0 ? i : end;
                plain.append("''");
            } else if (c == '(' || c == '[' || c == '{') {
                depth++;
                plain.append(c);
            } else if ((c == ')' || c == ']' || c == '}') && depth > 0) {
                depth--;
                plain.append(c);
            } else if ((c == ',' && depth == 0) || c == ')' || c == ';') {
                finish(args, current, plain);
                current = new ArrayList<>();
                plain.setLength(0);
                if (c != ',') {
                    break;
                }
            } else {
                plain.append(c);
            }
        }
        return args;
    }

    private static void finish(List<List<String>> args, List<String> literals, StringBuilder plain) {
        String p = plain.toString().strip();
        Matcher e = Pattern.compile("(?:Errno\\.)?(E[A-Z0-9]{2,})").matcher(p);
        if (literals.isEmpty() && e.matches()) {
            literals.add("\u0000errno:" + e.group(1));
        }
        args.add(literals);
    }

    /** The text with comments replaced by spaces (line numbers kept), string literals untouched. */
    static String blankComments(String s) {
        StringBuilder out = new StringBuilder(s);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"') {
                for (i++; i < s.length() && s.charAt(i) != '"'; i++) {
                    if (s.charAt(i) == '\\') {
                        i++;
                    }
                }
            } else if (c == '\'' && i + 2 < s.length()) {
                i += s.charAt(i + 1) == '\\' ? 3 : 2;
            } else if (c == '/' && i + 1 < s.length() && s.charAt(i + 1) == '/') {
                for (; i < s.length() && s.charAt(i) != '\n'; i++) {
                    out.setCharAt(i, ' ');
                }
            } else if (c == '/' && i + 1 < s.length() && s.charAt(i + 1) == '*') {
                int end = s.indexOf("*/", i + 2);
                end = end < 0 ? s.length() : end + 2;
                for (; i < end; i++) {
                    if (s.charAt(i) != '\n') {
                        out.setCharAt(i, ' ');
                    }
                }
                i--;
            }
        }
        return out.toString();
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Prints every site: {@code file:line type errno | fragments} (a draft for docs/errors.md). */
    public static void main(String[] args) {
        for (Site s : scan(Path.of(args.length > 0 ? args[0] : "."))) {
            System.out.println(root(s.file()) + ":" + s.line() + "\t" + s.type() + "\t" + (s.errno() == null ? "" : s.errno())
                    + "\t" + String.join(" … ", s.fragments()));
        }
    }

    private static String root(Path p) {
        String s = p.toString();
        int i = s.indexOf("jkexec-");
        return i < 0 ? s : s.substring(i);
    }
}
