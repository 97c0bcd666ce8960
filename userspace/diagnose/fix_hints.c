/* The fix-hint table: setting names checked against each project's documentation (Kamailio
 * core, tls, sst, tcpops and dialog modules; OpenSIPS core and tls_mgm; Asterisk pjsip.conf;
 * FreeSWITCH sofia profiles). Rows are grouped by id, in enum order (fix_hints_of relies on it,
 * test_fix_hints checks it). */
#include "fix_hints.h"

#define KAM    SBC_KAMAILIO
#define OSIPS  SBC_OPENSIPS
#define AST    SBC_ASTERISK
#define FS     SBC_FREESWITCH
#define CHAIN_ SBC_CERTIFICATES

/* Settings shared by several ids, named once. */
#define KAM_IDLE	 "core tcp_connection_lifetime, tls modparam connection_timeout"
#define KAM_ALIAS	 "force_tcp_alias(), core tcp_accept_aliases"
#define KAM_KEEPALIVE	 "core tcp_keepalive, tcp_keepidle; tcpops tcp_keepalive_enable()"
#define OSIPS_IDLE	 "core tcp_connection_lifetime"
#define OSIPS_KEEPALIVE	 "core tcp_keepalive, tcp_keepidle"
#define AST_KEEPALIVE	 "transport tcp_keepalive_enable, tcp_keepalive_idle_time"
#define AST_TIMERS	 "endpoint timers, timers_sess_expires, timers_min_se"
#define FS_KEEPALIVE	 "profile tcp-keepalive, tcp-pingpong"
#define FS_TIMERS	 "profile enable-timer, session-timeout, minimum-session-expires"
#define HUNG_CALL_AVOIDS "ends a call whose BYE was lost instead of leaving it up (not a fix)"

static const struct fix_hint hints[] = {
    /* symptoms */
    {DIAG_BYE_FAILED, KAM, KAM_ALIAS,
     "without them a request to the peer opens a connection of its own even while the peer's "
     "is up, so a late BYE needs the reverse TLS path",
     "reuse the peer's connection (RFC 5923 alias) while it is up; fix the cause in the chain"},
    {DIAG_BYE_FAILED, KAM, "dialog modparam default_timeout", "", HUNG_CALL_AVOIDS},
    {DIAG_BYE_FAILED, OSIPS, "dialog modparam default_timeout", "", HUNG_CALL_AVOIDS},
    {DIAG_BYE_FAILED, AST, "endpoint rtp_timeout", "", HUNG_CALL_AVOIDS},
    {DIAG_BYE_FAILED, FS, "profile rtp-timeout-sec", "", HUNG_CALL_AVOIDS},

    {DIAG_REFRESH_FAILED, KAM, KAM_IDLE,
     "a refresh every SE/2 keeps the connection in use only when SE/2 is shorter than these on "
     "both ends; otherwise each refresh needs a new, maybe reverse, connection",
     "longer than SE/2 on both ends, and fix the cause in the chain"},
    {DIAG_REFRESH_FAILED, OSIPS, OSIPS_IDLE,
     "shorter than SE/2: each refresh needs a new connection",
     "longer than SE/2 on both ends, and fix the cause in the chain"},
    {DIAG_REFRESH_FAILED, AST, AST_TIMERS,
     "the refresh interval (SE/2) against the idle close of both ends",
     "a Session-Expires whose half is shorter than both ends' idle close"},
    {DIAG_REFRESH_FAILED, FS, FS_TIMERS,
     "the refresh interval (SE/2) against the idle close of both ends",
     "a session-timeout whose half is shorter than both ends' idle close"},

    {DIAG_REFRESH_MISSED, KAM, "sst modparams sst_flag, min_se",
     "Kamailio as a proxy adds and checks the timer headers but refreshes nothing: the "
     "refresher is an endpoint behind it",
     "find which UA is the refresher and enable its session timer"},
    {DIAG_REFRESH_MISSED, OSIPS, "sst module",
     "as a proxy it checks the timer headers but refreshes nothing: the refresher is an "
     "endpoint behind it",
     "find which UA is the refresher and enable its session timer"},
    {DIAG_REFRESH_MISSED, AST, AST_TIMERS,
     "timers=no (or a peer that never refreshes while Asterisk accepts its role)",
     "timers=yes or always, so Asterisk refreshes or insists on being refresher"},
    {DIAG_REFRESH_MISSED, FS, FS_TIMERS, "enable-timer off: FreeSWITCH sends no refresh",
     "enable-timer on with a session-timeout, so FreeSWITCH refreshes when it is the refresher"},

    {DIAG_SESSION_EXPIRED, KAM, "sst modparam min_se",
     "the shortest Session-Expires Kamailio lets through (422 below it)",
     "fix the missed or failed refresh in the chain: the expiry only follows it"},
    {DIAG_SESSION_EXPIRED, AST, AST_TIMERS,
     "the Session-Expires Asterisk offers and the smallest it accepts",
     "fix the refresh in the chain; a longer Session-Expires only delays the drop"},
    {DIAG_SESSION_EXPIRED, FS, FS_TIMERS,
     "the Session-Expires FreeSWITCH offers and the smallest it accepts",
     "fix the refresh in the chain; a longer session-timeout only delays the drop"},

    /* causes */
    {DIAG_IDLE_CLOSE_REVERSE, KAM, KAM_IDLE,
     "a TLS connection idle for longer is closed (connection_timeout governs TLS, "
     "tcp_connection_lifetime plain TCP), so the next in-dialog request needs a new one",
     "longer than the longest usual call and than SE/2, on both ends; set both"},
    {DIAG_IDLE_CLOSE_REVERSE, KAM, KAM_ALIAS,
     "without them the peer's requests come on a connection of their own",
     "reuse while the connection is up, so only an idle close forces the reverse path"},
    {DIAG_IDLE_CLOSE_REVERSE, OSIPS, OSIPS_IDLE,
     "an idle connection is closed after it; the next request needs a new one",
     "longer than the longest usual call and than SE/2, on both ends"},
    {DIAG_IDLE_CLOSE_REVERSE, AST, "global keep_alive_interval",
     "pjproject closes a connection no dialog or registration holds after its build-time "
     "PJSIP_TRANSPORT_IDLE_TIME",
     "CRLF keep-alives on connection-oriented transports keep it in use"},
    {DIAG_IDLE_CLOSE_REVERSE, FS, FS_KEEPALIVE,
     "without keep-alives the connection goes idle between refreshes",
     "keep-alives shorter than the peer's idle close"},

    {DIAG_TLS_UNTRUSTED, CHAIN_, "the client's trust store",
     "it lacks the CA that issued the server's chain (or holds a leaf or an unrelated root)",
     "install the server's root CA; the side that opens a connection is the client, so each "
     "side needs the other's root"},
    {DIAG_TLS_UNTRUSTED, KAM, "tls.cfg ca_list, verify_certificate",
     "ca_list of the [client:...] profile (connections Kamailio opens) without the peer's root",
     "the peer's root CA in ca_list of the client profile, not only of the server profile"},
    {DIAG_TLS_UNTRUSTED, OSIPS, "tls_mgm ca_list, ca_dir, verify_cert",
     "the client domain's CA list without the peer's root",
     "the peer's root CA in the client domain's ca_list or ca_dir"},
    {DIAG_TLS_UNTRUSTED, AST, "transport ca_list_file, ca_list_path, verify_server",
     "the CA list without the peer's root while verify_server is on",
     "the peer's root CA in ca_list_file or ca_list_path"},
    {DIAG_TLS_UNTRUSTED, FS, "tls-cert-dir cafile.pem, profile tls-verify-policy",
     "cafile.pem without the peer's root while tls-verify-policy verifies outgoing connections",
     "the peer's root CA in cafile.pem"},

    {DIAG_TLS_INCOMPLETE_CHAIN, CHAIN_, "the server's certificate file",
     "it holds only the leaf, and the client's trust store has only the root",
     "send the leaf followed by its intermediates (a full chain); as a stopgap add the "
     "intermediate to the client's trust store"},
    {DIAG_TLS_INCOMPLETE_CHAIN, KAM, "tls.cfg certificate",
     "a leaf-only file in the [server:...] profile, used when the peer opens the connection",
     "leaf and intermediates in the certificate file of every profile"},
    {DIAG_TLS_INCOMPLETE_CHAIN, OSIPS, "tls_mgm certificate",
     "a leaf-only file in the server domain", "leaf and intermediates in the certificate file"},
    {DIAG_TLS_INCOMPLETE_CHAIN, AST, "transport cert_file", "a leaf-only cert_file",
     "leaf and intermediates in cert_file"},
    {DIAG_TLS_INCOMPLETE_CHAIN, FS, "tls-cert-dir agent.pem", "agent.pem with the leaf only",
     "the key, the leaf and its intermediates in agent.pem"},

    {DIAG_TLS_LEAF_CHANGED, CHAIN_, "the client's trust store",
     "it pins the peer's leaf; the peer renewed it", "trust the peer's issuing root, not its leaf"},
    {DIAG_TLS_LEAF_CHANGED, KAM, "tls.cfg ca_list", "ca_list holding the peer's old leaf",
     "the peer's root CA in ca_list"},
    {DIAG_TLS_LEAF_CHANGED, OSIPS, "tls_mgm ca_list", "ca_list holding the peer's old leaf",
     "the peer's root CA in ca_list"},
    {DIAG_TLS_LEAF_CHANGED, AST, "transport ca_list_file",
     "ca_list_file holding the peer's old leaf", "the peer's root CA in ca_list_file"},
    {DIAG_TLS_LEAF_CHANGED, FS, "tls-cert-dir cafile.pem", "cafile.pem holding the peer's old leaf",
     "the peer's root CA in cafile.pem"},

    {DIAG_CONNECT_FAILED, KAM, "listen= ... advertise, record_route()",
     "Record-Route or Contact names an address or port the peer cannot reach",
     "advertise the public address and the TLS port the listener really has; open it in the "
     "firewall for the peer"},
    {DIAG_CONNECT_FAILED, OSIPS, "core advertised_address, advertised_port",
     "the published address or port is not where the listener is reachable",
     "publish the reachable address and TLS port; open it in the firewall for the peer"},
    {DIAG_CONNECT_FAILED, AST, "transport external_signaling_address, external_signaling_port",
     "Contact carries a private or wrong address or port",
     "the address and TLS port the peer can reach; local_net for what is inside"},
    {DIAG_CONNECT_FAILED, FS, "profile ext-sip-ip, tls-sip-port",
     "Contact carries a private or wrong address or port",
     "the address and TLS port the peer can reach; open it in the firewall for the peer"},

    {DIAG_STALE_CONNECTION, KAM, KAM_IDLE, "the two ends close idle connections at different times",
     "the same idle close on both ends, or keep-alives so neither closes"},
    {DIAG_STALE_CONNECTION, KAM, KAM_KEEPALIVE, "", "TCP keep-alives find a dead peer sooner"},
    {DIAG_STALE_CONNECTION, OSIPS, OSIPS_KEEPALIVE, "", "TCP keep-alives find a dead peer sooner"},
    {DIAG_STALE_CONNECTION, AST, AST_KEEPALIVE, "", "TCP keep-alives find a dead peer sooner"},
    {DIAG_STALE_CONNECTION, FS, FS_KEEPALIVE, "", "keep-alives find a dead peer sooner"},

    {DIAG_TLS_NAME_MISMATCH, CHAIN_, "the server certificate's subjectAltName",
     "it lacks the name or IP address the client connected to",
     "a name in Record-Route/Contact that the certificate carries, or that IP in its SANs"},
    {DIAG_TLS_NAME_MISMATCH, KAM, "listen= ... advertise",
     "Record-Route carries an IP address that is not in the certificate",
     "advertise a name the certificate carries"},
    {DIAG_TLS_NAME_MISMATCH, AST, "transport verify_server, allow_wildcard_certs",
     "verify_server checks the name against the certificate",
     "a certificate with the name Asterisk connects to"},
    {DIAG_TLS_NAME_MISMATCH, FS, "profile tls-verify-policy, tls-verify-in-subjects",
     "a subject check that the peer's certificate does not pass",
     "list the peer's real subject names, or a certificate with them"},

    {DIAG_TLS_VERSION_MISMATCH, KAM, "tls.cfg method, cipher_list",
     "a method or cipher list the peer does not share", "a TLS version and ciphers both accept"},
    {DIAG_TLS_VERSION_MISMATCH, OSIPS, "tls_mgm tls_method, ciphers_list",
     "a method or cipher list the peer does not share", "a TLS version and ciphers both accept"},
    {DIAG_TLS_VERSION_MISMATCH, AST, "transport method, cipher",
     "a method or cipher the peer does not share", "a TLS version and ciphers both accept"},
    {DIAG_TLS_VERSION_MISMATCH, FS, "profile tls-version, tls-ciphers",
     "a version or cipher list the peer does not share", "a TLS version and ciphers both accept"},

    {DIAG_TLS_CLIENT_CERT, CHAIN_, "the client certificate",
     "missing, leaf-only, renewed after the server pinned it, or not for clientAuth",
     "send a certificate for clientAuth with its intermediates; the server trusts its root"},
    {DIAG_TLS_CLIENT_CERT, KAM, "tls.cfg certificate, private_key, require_certificate",
     "the [client:...] profile's certificate (what Kamailio sends when it opens) is not "
     "accepted by the peer's [server] side",
     "full chain in the client profile; the peer's server profile trusts this host's root"},
    {DIAG_TLS_CLIENT_CERT, OSIPS, "tls_mgm certificate, private_key, require_cert",
     "the client domain's certificate is not accepted by the peer",
     "full chain in the client domain; the peer trusts this host's root"},
    {DIAG_TLS_CLIENT_CERT, AST, "transport cert_file, require_client_cert, verify_client",
     "cert_file, also sent as client certificate, is not accepted by the peer",
     "full chain in cert_file; the peer trusts this host's root"},
    {DIAG_TLS_CLIENT_CERT, FS, "tls-cert-dir agent.pem, profile tls-verify-policy",
     "agent.pem, also sent as client certificate, is not accepted by the peer",
     "full chain in agent.pem; the peer trusts this host's root"},

    {DIAG_SILENT_DROP, KAM, KAM_KEEPALIVE,
     "no traffic for longer than a NAT or firewall keeps its state",
     "keep-alives shorter than the middlebox's idle timeout"},
    {DIAG_SILENT_DROP, OSIPS, OSIPS_KEEPALIVE,
     "no traffic for longer than a NAT or firewall keeps its state",
     "keep-alives shorter than the middlebox's idle timeout"},
    {DIAG_SILENT_DROP, AST, AST_KEEPALIVE,
     "no traffic for longer than a NAT or firewall keeps its state",
     "keep-alives shorter than the middlebox's idle timeout (or global keep_alive_interval)"},
    {DIAG_SILENT_DROP, FS, FS_KEEPALIVE,
     "no traffic for longer than a NAT or firewall keeps its state",
     "keep-alives shorter than the middlebox's idle timeout"},

    {DIAG_REFRESHER_CONFLICT, AST, AST_TIMERS,
     "a 2xx from the peer without refresher= (RFC 4028 §9 requires it)",
     "timers=always makes Asterisk the refresher whatever the peer says"},
    {DIAG_REFRESHER_CONFLICT, FS, FS_TIMERS,
     "a 2xx from the peer without refresher= (RFC 4028 §9 requires it)",
     "ask the peer to name the refresher; FreeSWITCH refreshes when enable-timer is on"},

    /* forecast */
    {DIAG_RISK_IDLE_TIMEOUT, KAM, KAM_IDLE,
     "shorter than the call or SE/2: late BYEs and refreshes need a new connection",
     "longer than the longest usual call and than SE/2 on both ends, or keep the reverse "
     "path proven (siptrail probe-reverse)"},
    {DIAG_RISK_IDLE_TIMEOUT, OSIPS, OSIPS_IDLE,
     "shorter than the call or SE/2: late BYEs and refreshes need a new connection",
     "longer than the longest usual call and than SE/2 on both ends"},
    {DIAG_RISK_IDLE_TIMEOUT, AST, "global keep_alive_interval",
     "idle connections are closed by pjproject", "keep-alives keep the connection in use"},
    {DIAG_RISK_IDLE_TIMEOUT, FS, FS_KEEPALIVE, "idle connections are closed",
     "keep-alives shorter than the peer's idle close"},
};

static const char *const family_names[SBC_FAMILY_COUNT] = {
    [SBC_KAMAILIO] = "Kamailio",	 [SBC_OPENSIPS] = "OpenSIPS",
    [SBC_ASTERISK] = "Asterisk (pjsip)", [SBC_FREESWITCH] = "FreeSWITCH (sofia)",
    [SBC_CERTIFICATES] = "certificates",
};

const char *sbc_family_name(enum sbc_family family)
{
	return (unsigned)family < SBC_FAMILY_COUNT ? family_names[family] : "?";
}

const struct fix_hint *fix_hints_all(size_t *count)
{
	*count = sizeof(hints) / sizeof(hints[0]);
	return hints;
}

const struct fix_hint *fix_hints_of(enum diag_id id, size_t *count)
{
	size_t n = sizeof(hints) / sizeof(hints[0]), first = 0;

	while (first < n && hints[first].id != id)
		first++;
	*count = 0;
	while (first + *count < n && hints[first + *count].id == id)
		(*count)++;
	return first < n ? &hints[first] : NULL;
}
