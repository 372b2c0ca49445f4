package dev.jkexec.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jkexec.core.abi.AbiRequestFile;
import dev.jkexec.core.abi.AbiRequests;
import dev.jkexec.core.abi.XenKexecSegment;
import dev.jkexec.platform.testing.Pure;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@Pure
class AbiCommandTest {
    @TempDir
    Path dir;

    record Run(int status, String out, String err) {
        JsonNode json() throws Exception {
            return new ObjectMapper().readTree(out);
        }
    }

    static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int status = Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Run(status, out.toString(), err.toString());
    }

    @Test
    void encode_then_decode_a_load() throws Exception {
        Path kernel = dir.resolve("kernel.bin");
        byte[] bytes = new byte[5000];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = (byte) i;
        }
        Files.write(kernel, bytes);
        Path req = dir.resolve("load.req");
        Run enc = run("abi", "encode", "load", "-o", req.toString(), "--type", "crash", "--entry", "0x40000000",
                "--segment", kernel + "@0x40000000", "--segment", "@0+0x100000");
        assertThat(enc.status()).as(enc.err()).isZero();
        assertThat(enc.out()).contains("KEXEC_CMD_kexec_load, argument at 0x100000");

        Run dec = run("abi", "decode", req.toString());
        assertThat(dec.status()).as(dec.err()).isZero();
        JsonNode j = dec.json();
        assertThat(j.get("command").asInt()).isEqualTo(4);
        assertThat(j.get("name").asText()).isEqualTo("KEXEC_CMD_kexec_load");
        JsonNode a = j.get("argument");
        assertThat(a.get("struct").asText()).isEqualTo("xen_kexec_load");
        assertThat(a.get("typeName").asText()).isEqualTo("KEXEC_TYPE_CRASH");
        assertThat(a.get("arch").asInt()).isEqualTo(62);
        assertThat(a.get("nr_segments").asInt()).isEqualTo(2);
        assertThat(a.get("entry_maddr").asText()).isEqualTo("0x40000000");
        JsonNode s0 = j.get("memory").get("segments").get(0);
        assertThat(s0.get("buf_size").asText()).isEqualTo("0x1388");
        assertThat(s0.get("dest_size").asText()).isEqualTo("0x2000");
        assertThat(s0.get("bytes").get("head").asText()).startsWith("000102030405");
        assertThat(s0.get("bytes").get("sha256").asText()).hasSize(64);
        JsonNode s1 = j.get("memory").get("segments").get(1);
        assertThat(s1.get("buf").asText()).isEqualTo("0x0");
        assertThat(s1.get("bytes").isNull()).isTrue();
        assertThat(j.has("error")).isFalse();
        // field order: command first, then argument, then memory
        List<String> keys = new java.util.ArrayList<>();
        j.fieldNames().forEachRemaining(keys::add);
        assertThat(keys).containsSubsequence("command", "argument", "memory");
    }

    @Test
    void bad_buffer_pointer_decodes_to_efault_naming_the_field() throws Exception {
        AbiRequestFile r = AbiRequests.load(0x10000, 0, 62, 0, List.of(
                new AbiRequests.Segment(new byte[10], 0x100000, 0x1000), new AbiRequests.Segment(new byte[10], 0x200000, 0x1000)));
        byte[] m = r.memory().clone();
        ByteBuffer.wrap(m).order(ByteOrder.LITTLE_ENDIAN).putLong((int) (0x100 + XenKexecSegment.SIZE + XenKexecSegment.BUF), 0x999999);
        Path file = dir.resolve("bad.req");
        new AbiRequestFile(r.cmd(), r.argAddress(), r.memoryBase(), m).write(file);
        Run dec = run("abi", "decode", file.toString());
        assertThat(dec.status()).isEqualTo(1);
        JsonNode e = dec.json().get("error");
        assertThat(e.get("errno").asText()).isEqualTo("EFAULT");
        assertThat(e.get("value").asInt()).isEqualTo(-14);
        assertThat(e.get("field").asText()).isEqualTo("segments[1].buf");
        assertThat(e.get("message").asText()).contains("0x999999+0xa outside guest memory");
        assertThat(dec.json().get("argument").get("nr_segments").asInt()).isEqualTo(2);
    }

    @Test
    void unknown_command_and_too_many_segments_decode_to_their_errno() throws Exception {
        Path unknown = dir.resolve("u.req");
        assertThat(run("abi", "encode", "9", "-o", unknown.toString()).status()).isZero();
        JsonNode u = run("abi", "decode", unknown.toString()).json();
        assertThat(u.get("name").asText()).isEqualTo("unknown");
        assertThat(u.get("error").get("errno").asText()).isEqualTo("EOPNOTSUPP");

        AbiRequestFile r = AbiRequests.load(0x10000, 0, 62, 0, List.of());
        byte[] m = r.memory().clone();
        ByteBuffer.wrap(m).order(ByteOrder.LITTLE_ENDIAN).putInt(4, 16);
        Path many = dir.resolve("many.req");
        new AbiRequestFile(4, r.argAddress(), r.memoryBase(), m).write(many);
        JsonNode e = run("abi", "decode", many.toString()).json().get("error");
        assertThat(e.get("errno").asText()).isEqualTo("EINVAL");
        assertThat(e.get("field").asText()).isEqualTo("nr_segments");
    }

    @Test
    void v1_load_shows_the_walked_list() throws Exception {
        Path data = dir.resolve("d.bin");
        Files.write(data, new byte[9000]);
        Path req = dir.resolve("v1.req");
        assertThat(run("abi", "encode", "load-v1", "-o", req.toString(), "--segment", data + "@0x200000").status()).isZero();
        JsonNode j = run("abi", "decode", req.toString()).json();
        assertThat(j.get("argument").get("image").get("indirection_page").asText()).isEqualTo("0x101000");
        assertThat(j.get("argument").get("image").get("page_list")).hasSize(17);
        assertThat(j.get("memory").get("sourcePages").asInt()).isEqualTo(3);
        assertThat(j.get("memory").get("segments").get(0).get("dest_size").asText()).isEqualTo("0x3000");
        assertThat(j.get("memory").get("segments").get(0).get("sources")).hasSize(3);
    }

    @Test
    void get_range_and_exec_encode_and_decode() throws Exception {
        Path req = dir.resolve("r.req");
        run("abi", "encode", "get-range", "-o", req.toString(), "--range", "cpu", "--nr", "3");
        JsonNode a = run("abi", "decode", req.toString()).json().get("argument");
        assertThat(a.get("rangeName").asText()).isEqualTo("KEXEC_RANGE_MA_CPU");
        assertThat(a.get("nr").asInt()).isEqualTo(3);
        run("abi", "encode", "exec", "-o", req.toString(), "--type", "7");
        JsonNode e = run("abi", "decode", req.toString()).json();
        assertThat(e.get("argument").get("type").asInt()).isEqualTo(7);
        assertThat(e.get("argument").get("typeName").asText()).isEqualTo("invalid");
        assertThat(e.has("memory")).isFalse();
    }

    @Test
    void malformed_file_is_one_line() throws Exception {
        Path junk = dir.resolve("junk");
        Files.write(junk, "not a request file at all, really not, honestly".getBytes());
        Run r = run("abi", "decode", junk.toString());
        assertThat(r.status()).isEqualTo(1);
        assertThat(r.err()).isEqualTo("jkexec: magic: not \"JKXABI01\": not a jkexec ABI request file" + System.lineSeparator());
        Run missing = run("abi", "decode", dir.resolve("nope").toString());
        assertThat(missing.err()).isEqualTo("jkexec: request: " + dir.resolve("nope") + ": no such file" + System.lineSeparator());
        Run badSegment = run("abi", "encode", "load", "-o", junk.toString(), "--segment", "nowhere");
        assertThat(badSegment.err().strip()).isEqualTo("jkexec: --segment nowhere: expected [FILE]@DEST[+SIZE]");
    }

    @Test
    void help_documents_the_file_layout() {
        Run r = run("abi", "decode", "--help");
        assertThat(r.out()).contains("JKXABI01").contains("u64 argAddress").contains("u64 memoryBase").contains("u64 memorySize");
        assertThat(run("abi", "--help").out()).contains("decode").contains("encode");
        assertThat(run("--help").out()).contains("abi");
    }
}
