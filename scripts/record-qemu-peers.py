#!/usr/bin/env python3
"""Records what a real QEMU says on QMP and on its gdbstub, as seeds for jkexec-qemu's fuzz targets.

Starts qemu-system-x86_64 paused (TCG, no devices), drives a short session on both sockets and
writes every byte QEMU sent, unchanged, to OUT_DIR:
  qmp-session   the QMP stream: greeting, replies to qmp_capabilities, query-status, stop, cont,
                system_reset, human-monitor-command "info registers -a", query-cpus-fast, events, quit
  gdb-session   the gdbstub stream: acks and replies to ?, qSupported, g, Z1, c (stopped by QMP), z1
  hmp-info-registers  the text of the "info registers -a" reply (the CPU state parser's input)

usage: scripts/record-qemu-peers.py OUT_DIR
"""
import json, os, socket, subprocess, sys, tempfile, time

def connect(path):
    for _ in range(200):
        try:
            s = socket.socket(socket.AF_UNIX); s.connect(path); return s
        except OSError:
            time.sleep(0.05)
    raise SystemExit("cannot connect to " + path)

class Peer:
    def __init__(self, sock):
        self.sock, self.raw, self.buf = sock, bytearray(), bytearray()
    def read_until(self, pred, timeout=10):
        end = time.time() + timeout
        while not pred(self.buf):
            self.sock.settimeout(max(0.01, end - time.time()))
            chunk = self.sock.recv(65536)
            if not chunk:
                break
            self.raw += chunk; self.buf += chunk
    def send(self, b):
        self.sock.sendall(b)

def qmp_line(peer):
    peer.read_until(lambda b: b"\n" in b)
    i = peer.buf.index(b"\n"); line = bytes(peer.buf[:i]); del peer.buf[:i + 1]
    return json.loads(line)

def qmp(peer, cmd, args=None, id=[0]):
    id[0] += 1
    msg = {"execute": cmd, "id": id[0]}
    if args: msg["arguments"] = args
    peer.send(json.dumps(msg).encode() + b"\n")
    while True:
        m = qmp_line(peer)
        if m.get("id") == id[0]:
            return m

def gdb(peer, data):
    peer.send(b"$%s#%02x" % (data, sum(data) & 0xFF))
    peer.read_until(lambda b: b"#" in b and len(b) >= b.index(b"#") + 3 and b"$" in b)
    i = peer.buf.index(b"#"); reply = bytes(peer.buf[peer.buf.index(b"$") + 1:i]); del peer.buf[:i + 3]
    peer.send(b"+")
    return reply

def main():
    out = sys.argv[1]; os.makedirs(out, exist_ok=True)
    d = tempfile.mkdtemp(prefix="jkexec-record-")
    qsock, gsock = os.path.join(d, "qmp"), os.path.join(d, "gdb")
    qemu = subprocess.Popen(["qemu-system-x86_64", "-S", "-nodefaults", "-display", "none", "-machine", "pc",
                             "-accel", "tcg", "-m", "64", "-smp", "2",
                             "-qmp", "unix:%s,server=on,wait=off" % qsock, "-gdb", "unix:%s,server=on,wait=off" % gsock])
    try:
        q = Peer(connect(qsock))
        qmp_line(q)
        qmp(q, "qmp_capabilities"); qmp(q, "query-status")
        hmp = qmp(q, "human-monitor-command", {"command-line": "info registers -a"})["return"]
        qmp(q, "query-cpus-fast"); qmp(q, "bogus-command")
        g = Peer(connect(gsock))
        gdb(g, b"?"); gdb(g, b"qSupported:multiprocess+;swbreak+;hwbreak+"); gdb(g, b"g")
        gdb(g, b"Z1,fffffff0,1")
        g.send(b"$c#63"); time.sleep(0.3)
        qmp(q, "stop"); g.read_until(lambda b: b"#" in b, 5); g.send(b"+"); g.buf.clear()
        gdb(g, b"z1,fffffff0,1"); gdb(g, b"qfThreadInfo"); gdb(g, b"m0,40")
        g.sock.close()
        qmp(q, "cont"); time.sleep(0.2); qmp(q, "stop"); qmp(q, "system_reset"); qmp(q, "query-status")
        qmp(q, "quit")
        try:
            q.read_until(lambda b: False, 3)
        except OSError:
            pass
        open(os.path.join(out, "qmp-session"), "wb").write(bytes(q.raw))
        open(os.path.join(out, "gdb-session"), "wb").write(bytes(g.raw))
        open(os.path.join(out, "hmp-info-registers"), "wb").write(hmp.encode())
        print("recorded %d QMP bytes, %d gdbstub bytes, %d HMP bytes in %s" % (len(q.raw), len(g.raw), len(hmp), out))
    finally:
        qemu.kill(); qemu.wait()
        for p in (qsock, gsock):
            if os.path.exists(p): os.unlink(p)
        os.rmdir(d)

main()
