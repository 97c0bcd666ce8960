# Writes the trunk-shaped test journals in this folder (run from here: python3 gen_journals.py).
# Times are seconds from 2025-11-27 10:40:00 UTC; the SBC 192.0.2.10 proxies between the
# carrier 198.51.100.20 (TLS) and the PBX 10.0.0.5 (UDP).
import json
T0 = 1764240000 * 10**9
S = 10**9
SBC, CAR, PBX = "192.0.2.10", "198.51.100.20", "10.0.0.5"
CID = "a84b4c76e66710@198.51.100.20"

def sip(lines, body=""):
    return "\r\n".join(lines + ["Content-Length: %d" % len(body), "", ""]) + body

def req(method, cseq, branch, totag, extra=(), via2=None, cseq_method=None):
    vias = ["Via: SIP/2.0/TLS %s;branch=%s" % ("host", branch)]
    if via2: vias.append("Via: SIP/2.0/TLS host2;branch=%s" % via2)
    return sip(["%s sip:bob@%s SIP/2.0" % (method, SBC)] + vias + [
        "Max-Forwards: 70",
        "From: <sip:alice@carrier.example>;tag=1928301774",
        "To: <sip:bob@pbx.example>" + (";tag=a6c85cf" if totag else ""),
        "Call-ID: " + CID, "CSeq: %d %s" % (cseq, cseq_method or method)] + list(extra))

def resp(code, text, method, cseq, branch, totag=True, extra=(), via2=None):
    vias = ["Via: SIP/2.0/TLS host;branch=%s" % branch]
    if via2: vias.append("Via: SIP/2.0/TLS host2;branch=%s" % via2)
    return sip(["SIP/2.0 %d %s" % (code, text)] + vias + [
        "From: <sip:alice@carrier.example>;tag=1928301774",
        "To: <sip:bob@pbx.example>" + (";tag=a6c85cf" if totag else ""),
        "Call-ID: " + CID, "CSeq: %d %s" % (cseq, method)] + list(extra))

class J:
    def __init__(self): self.lines = []
    def ev(self, t, name, **kw):
        d = {"event": name, "ts_ns": T0 + int(t * S)}
        d.update(kw); self.lines.append(d)
    def conn_open(self, t, conn, direction, rport, lport):
        self.ev(t, "conn_open", conn=conn, laddr=SBC, lport=lport, raddr=CAR, rport=rport,
                direction=direction, tls_role="client" if direction == "out" else "server",
                pid=812, comm="kamailio", netns=4026531840)
    def conn_end(self, t, conn, direction, rport, lport, dur, closed_by, how, idle, first_close=None, sk_error=None):
        self.ev(t, "conn_end", conn=conn, laddr=SBC, lport=lport, raddr=CAR, rport=rport,
                direction=direction, tls_role="client" if direction == "out" else "server",
                pid=812, comm="kamailio", duration_ns=int(dur * S), bytes_sent=4211,
                bytes_received=3876, retransmits=0, closed_by=closed_by, how=how,
                first_close_ts_ns=T0 + int(first_close * S) if first_close is not None else None,
                idle_ns=int(idle * S), sk_error=sk_error)
    def conn_close(self, t, conn, direction, rport, lport, closed_by, how, idle):
        self.ev(t, "conn_close", conn=conn, laddr=SBC, lport=lport, raddr=CAR, rport=rport,
                direction=direction, tls_role="client" if direction == "out" else "server",
                pid=812, comm="kamailio", netns=4026531840, before_trace=False, bytes_sent=4211,
                bytes_received=3876, closed_by=closed_by, how=how, first_close_ts_ns=T0 + int(t * S),
                idle_ns=int(idle * S))
    def chain(self, t, conn, frm, verdict, certs, missing=None, sni=None):
        self.ev(t, "tls_chain", conn=conn, **{"from": frm}, sni=sni, certs=certs, verdict=verdict,
                missing_issuer=missing)
    def hs(self, t, conn, role, ok, error=None, verify=None, dur=0.004):
        self.ev(t, "tls_handshake", conn=conn, role=role, ok=ok, start_ts_ns=T0 + int((t - dur) * S),
                duration_ns=int(dur * S), error=error, verify_error=verify)
    def sip_tls(self, t, conn, d, raw, rport, lport=5061):
        self.ev(t, "sip", conn=conn, dir=d, transport="tls", laddr=SBC, lport=lport, raddr=CAR,
                rport=rport, raw=raw)
    def sip_udp(self, t, d, raw):
        self.ev(t, "sip", dir=d, transport="udp", laddr=SBC, lport=5060, raddr=PBX, rport=5060, raw=raw)
    def write(self, path):
        with open(path, "w") as f:
            for l in self.lines:
                f.write(json.dumps(l, separators=(",", ":")) + "\n")

SBC_CERT = {"subject": "CN=sbc.example.net", "issuer": "CN=Example Intermediate CA",
            "sans": ["sbc.example.net"], "not_before": "2026-01-01T00:00:00Z",
            "not_after": "2027-01-01T00:00:00Z", "sha256": "5b1e" + "0" * 60}
SBC_INT = {"subject": "CN=Example Intermediate CA", "issuer": "CN=Example Root CA", "sans": [],
           "not_before": "2025-01-01T00:00:00Z", "not_after": "2030-01-01T00:00:00Z",
           "sha256": "77aa" + "1" * 60}
CAR_LEAF = {"subject": "CN=sip.carrier.example", "issuer": "CN=Carrier Intermediate CA",
            "sans": ["sip.carrier.example"], "not_before": "2026-03-01T00:00:00Z",
            "not_after": "2027-03-01T00:00:00Z", "sha256": "c0ffee" + "2" * 58}
CAR_INT = {"subject": "CN=Carrier Intermediate CA", "issuer": "CN=Carrier Root CA", "sans": [],
           "not_before": "2025-01-01T00:00:00Z", "not_after": "2030-01-01T00:00:00Z",
           "sha256": "abcd" + "3" * 60}

SE_HDRS = ["Supported: timer", "Session-Expires: 1800;refresher=uac", "Min-SE: 90"]

def setup(j, se_req=SE_HDRS, se_resp=("Require: timer", "Session-Expires: 1800;refresher=uac")):
    """Carrier opens TLS to the SBC and sends an INVITE; the SBC proxies it to the PBX over UDP."""
    j.conn_open(0.000, 1, "in", 40312, 5061)
    j.chain(0.003, 1, "local", "ok", [SBC_CERT, SBC_INT])
    j.hs(0.004, 1, "server", True)
    inv = req("INVITE", 1, "z9hG4bK-car-inv1", False, ["Contact: <sip:alice@198.51.100.20:5061;transport=tls>"] + list(se_req))
    j.sip_tls(0.010, 1, "in", inv, 40312)
    j.sip_tls(0.011, 1, "out", resp(100, "Trying", "INVITE", 1, "z9hG4bK-car-inv1", totag=False), 40312)
    inv_out = req("INVITE", 1, "z9hG4bK-sbc-inv1", False, list(se_req), via2="z9hG4bK-car-inv1")
    j.sip_udp(0.012, "out", inv_out)
    j.sip_udp(0.050, "in", resp(180, "Ringing", "INVITE", 1, "z9hG4bK-sbc-inv1", via2="z9hG4bK-car-inv1"))
    j.sip_tls(0.051, 1, "out", resp(180, "Ringing", "INVITE", 1, "z9hG4bK-car-inv1"), 40312)
    j.sip_udp(3.000, "in", resp(200, "OK", "INVITE", 1, "z9hG4bK-sbc-inv1", extra=se_resp, via2="z9hG4bK-car-inv1"))
    j.sip_tls(3.001, 1, "out", resp(200, "OK", "INVITE", 1, "z9hG4bK-car-inv1", extra=se_resp), 40312)
    j.sip_tls(3.040, 1, "in", req("ACK", 1, "z9hG4bK-car-ack1", True), 40312)
    j.sip_udp(3.041, "out", req("ACK", 1, "z9hG4bK-sbc-ack1", True, via2="z9hG4bK-car-ack1"))

def idle_close(j, t=123.041):
    # the SBC's idle timer (120 s) closes the carrier's connection
    j.conn_end(t + 0.002, 1, "in", 40312, 5061, t + 0.002, "local", "fin", 120.0, first_close=t)

def pbx_bye(j, t, cseq=2):
    j.sip_udp(t, "in", req("BYE", cseq, "z9hG4bK-pbx-bye1", True, ["Reason: Q.850;cause=16;text=\"Normal call clearing\""]))

def reverse_conn(j, t, conn=2):
    j.conn_open(t, conn, "out", 5061, 52144)

# 1: BYE fails: idle close by the SBC after 120 s, new sbc->carrier connection, carrier sends no intermediate
j = J(); setup(j); idle_close(j)
pbx_bye(j, 300.000)
reverse_conn(j, 300.001)
j.chain(300.030, 2, "peer", "incomplete", [CAR_LEAF], missing="CN=Carrier Intermediate CA", sni="sip.carrier.example")
j.ev(300.031, "tls_alert", conn=2, **{"from": "local"}, level="fatal", description="unknown_ca", code=48)
j.hs(300.031, 2, "client", False, error="certificate verify failed", verify="unable to get local issuer certificate", dur=0.030)
j.conn_end(300.032, 2, "out", 5061, 52144, 0.031, "local", "fin", 0.0, first_close=300.032)
j.sip_udp(300.033, "out", resp(477, "Unfortunately error on sending to next hop occurred", "BYE", 2, "z9hG4bK-pbx-bye1"))
j.write("bye_failed_incomplete_chain.jsonl")

# 2: healthy twin: the reverse connection works, BYE 200 OK
j = J(); setup(j); idle_close(j)
pbx_bye(j, 300.000)
reverse_conn(j, 300.001)
j.chain(300.030, 2, "peer", "ok", [CAR_LEAF, CAR_INT], sni="sip.carrier.example")
j.hs(300.031, 2, "client", True, dur=0.030)
j.sip_tls(300.032, 2, "out", req("BYE", 2, "z9hG4bK-sbc-bye1", True, via2="z9hG4bK-pbx-bye1"), 5061, 52144)
j.sip_tls(300.080, 2, "in", resp(200, "OK", "BYE", 2, "z9hG4bK-sbc-bye1", via2="z9hG4bK-pbx-bye1"), 5061, 52144)
j.sip_udp(300.081, "out", resp(200, "OK", "BYE", 2, "z9hG4bK-pbx-bye1"))
j.write("bye_reverse_ok.jsonl")

# 3: refresh never sent: SE 90 s, the carrier (uac) is refresher, no re-INVITE; PBX hangs up at expiry
short = (["Supported: timer", "Session-Expires: 90;refresher=uac", "Min-SE: 90"],
         ("Require: timer", "Session-Expires: 90;refresher=uac"))
j = J(); setup(j, *short)
j.sip_udp(63.100, "in", req("BYE", 2, "z9hG4bK-pbx-bye1", True, ["Reason: SIP;cause=408;text=\"Session timer expired\""]))
j.sip_tls(63.101, 1, "out", req("BYE", 2, "z9hG4bK-sbc-bye1", True, via2="z9hG4bK-pbx-bye1"), 40312)
j.sip_tls(63.150, 1, "in", resp(200, "OK", "BYE", 2, "z9hG4bK-sbc-bye1", via2="z9hG4bK-pbx-bye1"), 40312)
j.sip_udp(63.151, "out", resp(200, "OK", "BYE", 2, "z9hG4bK-pbx-bye1"))
j.write("refresh_missed_expired.jsonl")

# 4: the PBX refreshes (re-INVITE) after the carrier connection was closed idle; reverse connect refused
long_uas = (["Supported: timer", "Session-Expires: 300;refresher=uas", "Min-SE: 90"],
            ("Require: timer", "Session-Expires: 300;refresher=uas"))
j = J(); setup(j, *long_uas); idle_close(j)
j.sip_udp(150.000, "in", req("INVITE", 2, "z9hG4bK-pbx-reinv1", True, ["Session-Expires: 300;refresher=uac", "Supported: timer"]))
reverse_conn(j, 150.001)
j.conn_end(150.002, 2, "out", 5061, 52144, 0.001, None, "refused", 0.0, sk_error="ECONNREFUSED")
j.sip_udp(150.003, "out", resp(477, "Unfortunately error on sending to next hop occurred", "INVITE", 2, "z9hG4bK-pbx-reinv1"))
j.sip_udp(280.000, "in", req("BYE", 3, "z9hG4bK-pbx-bye1", True, ["Reason: SIP;cause=408;text=\"Session timer expired\""]))
j.sip_udp(280.001, "out", resp(408, "Request Timeout", "BYE", 3, "z9hG4bK-pbx-bye1"))
j.write("refresh_failed_connect_refused.jsonl")

# 5: as 1, but the sockets outlive their closes (Kamailio workers keep copies of the fds), so the
# journal has the conn_close of each connection and no conn_end
j = J(); setup(j)
j.conn_close(123.041, 1, "in", 40312, 5061, "local", "fin", 120.0)
pbx_bye(j, 300.000)
reverse_conn(j, 300.001)
j.chain(300.030, 2, "peer", "incomplete", [CAR_LEAF], missing="CN=Carrier Intermediate CA", sni="sip.carrier.example")
j.hs(300.031, 2, "client", False, error="certificate verify failed", verify="unable to get local issuer certificate", dur=0.030)
j.conn_close(300.032, 2, "out", 5061, 52144, "peer", "fin", 0.0)
j.sip_udp(300.033, "out", resp(477, "Unfortunately error on sending to next hop occurred", "BYE", 2, "z9hG4bK-pbx-bye1"))
j.write("bye_failed_conn_close_only.jsonl")

# 6: a trunk's afternoon, the capture the report samples in reports/ are matched against: the
# scenarios above as six calls, each with its own Call-ID, numbers, connections and start time
# (seconds after T0, 2025-11-27 10:40:00 UTC).
def scenario_lines(build):
    j = J(); build(j); return j.lines

def bye_failed(j):
    setup(j); idle_close(j); pbx_bye(j, 300.000); reverse_conn(j, 300.001)
    j.chain(300.030, 2, "peer", "incomplete", [CAR_LEAF], missing="CN=Carrier Intermediate CA", sni="sip.carrier.example")
    j.ev(300.031, "tls_alert", conn=2, **{"from": "local"}, level="fatal", description="unknown_ca", code=48)
    j.hs(300.031, 2, "client", False, error="certificate verify failed", verify="unable to get local issuer certificate", dur=0.030)
    j.conn_end(300.032, 2, "out", 5061, 52144, 0.031, "local", "fin", 0.0, first_close=300.032)
    j.sip_udp(300.033, "out", resp(477, "Unfortunately error on sending to next hop occurred", "BYE", 2, "z9hG4bK-pbx-bye1"))

def refresh_missed(j):
    setup(j, *short)
    j.sip_udp(63.100, "in", req("BYE", 2, "z9hG4bK-pbx-bye1", True, ["Reason: SIP;cause=408;text=\"Session timer expired\""]))
    j.sip_tls(63.101, 1, "out", req("BYE", 2, "z9hG4bK-sbc-bye1", True, via2="z9hG4bK-pbx-bye1"), 40312)
    j.sip_tls(63.150, 1, "in", resp(200, "OK", "BYE", 2, "z9hG4bK-sbc-bye1", via2="z9hG4bK-pbx-bye1"), 40312)
    j.sip_udp(63.151, "out", resp(200, "OK", "BYE", 2, "z9hG4bK-pbx-bye1"))

def refresh_refused(j):
    setup(j, *long_uas); idle_close(j)
    j.sip_udp(150.000, "in", req("INVITE", 2, "z9hG4bK-pbx-reinv1", True, ["Session-Expires: 300;refresher=uac", "Supported: timer"]))
    reverse_conn(j, 150.001)
    j.conn_end(150.002, 2, "out", 5061, 52144, 0.001, None, "refused", 0.0, sk_error="ECONNREFUSED")
    j.sip_udp(150.003, "out", resp(477, "Unfortunately error on sending to next hop occurred", "INVITE", 2, "z9hG4bK-pbx-reinv1"))
    j.sip_udp(280.000, "in", req("BYE", 3, "z9hG4bK-pbx-bye1", True, ["Reason: SIP;cause=408;text=\"Session timer expired\""]))
    j.sip_udp(280.001, "out", resp(408, "Request Timeout", "BYE", 3, "z9hG4bK-pbx-bye1"))

def bye_ok(j):
    setup(j); idle_close(j); pbx_bye(j, 300.000); reverse_conn(j, 300.001)
    j.chain(300.030, 2, "peer", "ok", [CAR_LEAF, CAR_INT], sni="sip.carrier.example")
    j.hs(300.031, 2, "client", True, dur=0.030)
    j.sip_tls(300.032, 2, "out", req("BYE", 2, "z9hG4bK-sbc-bye1", True, via2="z9hG4bK-pbx-bye1"), 5061, 52144)
    j.sip_tls(300.080, 2, "in", resp(200, "OK", "BYE", 2, "z9hG4bK-sbc-bye1", via2="z9hG4bK-pbx-bye1"), 5061, 52144)
    j.sip_udp(300.081, "out", resp(200, "OK", "BYE", 2, "z9hG4bK-pbx-bye1"))

def relocated(lines, start, n, call_id, caller, callee):
    """Call N of the afternoon: times moved by START seconds, its own connections and ports."""
    out = []
    for l in lines:
        l = dict(l)
        for key in ("ts_ns", "start_ts_ns", "first_close_ts_ns"):
            if l.get(key) is not None:
                l[key] += start * S
        if "conn" in l:
            l["conn"] += 10 * n
        for key in ("lport", "rport"):
            if l.get(key) in (40312, 52144):
                l[key] += n
        if "raw" in l:
            l["raw"] = (l["raw"].replace("Call-ID: " + CID, "Call-ID: " + call_id)
                        .replace("sip:alice@", "sip:%s@" % caller).replace("sip:bob@", "sip:%s@" % callee))
        out.append(l)
    return out

AFTERNOON = [  # start, build, Call-ID, caller, callee
    (0, bye_failed, "tk-a-bye-chain@198.51.100.20", "+493012340001", "+494098760001"),
    (600, refresh_missed, "tk-b-refresh-missed@198.51.100.20", "+493012340002", "+494098760002"),
    (1200, refresh_refused, "tk-c-refresh-refused@198.51.100.20", "+12125550103", "+13125550103"),
    (1800, bye_ok, "tk-d-fine@198.51.100.20", "+12125550104", "+13125550104"),
    # the same numbers twice, 400 s apart: a report row between them fits both
    (2400, bye_failed, "tk-e-twin-1@198.51.100.20", "+493012340005", "+494098760005"),
    (2800, bye_failed, "tk-f-twin-2@198.51.100.20", "+493012340005", "+494098760005"),
]
j = J()
for n, (start, build, call_id, caller, callee) in enumerate(AFTERNOON, 1):
    j.lines += relocated(scenario_lines(build), start, n, call_id, caller, callee)
j.lines.sort(key=lambda l: l["ts_ns"])
j.write("trunk_afternoon.jsonl")

# 7: call 1, then a healthy call 90 minutes later: the first call's connections ended more than
# the hour the correlator keeps ended connections before the input ends; its diagnosis must
# not change for what comes after it
j = J()
j.lines += relocated(scenario_lines(bye_failed), 0, 1, "late-a-bye-chain@198.51.100.20", "+493012340001", "+494098760001")
j.lines += relocated(scenario_lines(bye_ok), 5400, 2, "late-b-fine@198.51.100.20", "+12125550104", "+13125550104")
j.write("bye_failed_then_call_90_min_later.jsonl")

# 8: one Call-ID twice, 90 minutes apart: a call that ended, retired before the same Call-ID
# comes back as a failed call, so the call index sees it again with a verdict of its own
j = J()
j.lines += relocated(scenario_lines(bye_ok), 0, 1, "again@198.51.100.20", "+493012340001", "+494098760001")
j.lines += relocated(scenario_lines(bye_failed), 5400, 2, "again@198.51.100.20", "+493012340001", "+494098760001")
j.write("call_id_twice.jsonl")
