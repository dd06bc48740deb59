// JavaPeer — a javax.security.sasl DIGEST-MD5 test peer (client or server) for the interop tests.
//
// Same command line, framing and result lines as sasl_peer.cpp (see the comment at its top for the
// framing protocol and the output lines). Java-specific points:
//  * wrap()/unwrap() work on packets without libsasl2's 4-octet length prefix: this peer adds the
//    prefix on send and strips it (reassembling packets split over arbitrary chunks) on receive,
//    rejecting packets longer than its own --maxbuf.
//  * The protection is chosen with Sasl.QOP, derived from the --min-ssf/--max-ssf window (or given
//    with --qop), Sasl.STRENGTH and, on the client, com.sun.security.sasl.digest.cipher (--cipher, or
//    the strongest cipher inside a window that excludes some ciphers).
//  * Java reports no SASL codes: failures are printed as "AUTH FAIL -1 <exception text>".
//  * The SSF is derived from the negotiated qop and cipher (auth 0, auth-int 1, rc4-40 40, des 55,
//    rc4-56 56, 3des 112, rc4 128); the cipher is read from the mechanism object by reflection,
//    which needs: --add-opens java.security.sasl/com.sun.security.sasl.digest=ALL-UNNAMED
// Run: java --add-opens ... -cp DIR JavaPeer (--server|--client) --port P [options]

import java.io.ByteArrayOutputStream;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.reflect.Field;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.security.auth.callback.Callback;
import javax.security.auth.callback.CallbackHandler;
import javax.security.auth.callback.NameCallback;
import javax.security.auth.callback.PasswordCallback;
import javax.security.auth.callback.UnsupportedCallbackException;
import javax.security.sasl.AuthorizeCallback;
import javax.security.sasl.RealmCallback;
import javax.security.sasl.RealmChoiceCallback;
import javax.security.sasl.Sasl;
import javax.security.sasl.SaslClient;
import javax.security.sasl.SaslException;
import javax.security.sasl.SaslServer;

public final class JavaPeer {
    static final int EXIT_OK = 0, EXIT_AUTH = 1, EXIT_DATA = 2, EXIT_SETUP = 3;
    static final String MECH = "DIGEST-MD5";
    static final String CIPHER_PROP = "com.sun.security.sasl.digest.cipher";
    static final String REALM_PROP = "com.sun.security.sasl.digest.realm";
    // Cipher tokens and their SSF, weakest first.
    static final Map<String, Integer> CIPHER_SSF = new LinkedHashMap<>();
    static {
        CIPHER_SSF.put("rc4-40", 40);
        CIPHER_SSF.put("des", 55);
        CIPHER_SSF.put("rc4-56", 56);
        CIPHER_SSF.put("3des", 112);
        CIPHER_SSF.put("rc4", 128);
    }

    // Options
    boolean server, client, verbose, successData = true, haveRealm;
    int port = -1, timeout = 20, chunk = 0;
    long minSsf = 0, maxSsf = 256, maxbuf = 65536;
    String service = "ldap", host = "localhost", realm = "", user = "", password = "", authzid;
    String qop, cipher;
    List<Integer> echoSizes = new ArrayList<>();
    Map<String, String> users = new HashMap<>();
    Set<String> proxy = new HashSet<>();  // "authid\0authzid"

    volatile int phaseExit = EXIT_AUTH;
    InputStream in;
    OutputStream out;
    final ByteArrayOutputStream lineBuf = new ByteArrayOutputStream();

    public static void main(String[] args) {
        JavaPeer p = new JavaPeer();
        try {
            p.parseArgs(args);
        } catch (IllegalArgumentException e) {
            System.err.println("JavaPeer: " + e.getMessage());
            usage();
        }
        int rc;
        try {
            p.startWatchdog();
            rc = p.server ? p.runServer() : p.runClient();
        } catch (IOException e) {
            p.line("PEER FAIL " + e);
            rc = p.phaseExit;
        }
        System.out.flush();
        System.exit(rc);
    }

    static void usage() {
        System.err.println("usage: JavaPeer (--server|--client) --port P [options]\n"
            + "  common:  --service S (ldap) --host FQDN (localhost) --realm R --min-ssf N --max-ssf N\n"
            + "           --qop LIST --maxbuf N (65536) --echo-sizes a,b,c --chunk N --timeout SEC (20)\n"
            + "           --plugin-dir DIR and --opt KEY=VALUE (accepted, ignored) --verbose\n"
            + "  server:  --user NAME:PASSWORD (repeatable) --allow-proxy AUTHID:AUTHZID (repeatable)\n"
            + "           --no-success-data\n"
            + "  client:  --user AUTHID --password PW --authzid Z --cipher TOKEN");
        System.exit(EXIT_SETUP);
    }

    void parseArgs(String[] a) {
        for (int i = 0; i < a.length; i++) {
            String o = a[i];
            if (o.equals("--server")) { server = true; continue; }
            if (o.equals("--client")) { client = true; continue; }
            if (o.equals("--no-success-data")) { successData = false; continue; }
            if (o.equals("--verbose")) { verbose = true; continue; }
            if (i + 1 >= a.length) throw new IllegalArgumentException("missing value for " + o);
            String v = a[++i];
            switch (o) {
                case "--port": port = Integer.parseInt(v); break;
                case "--plugin-dir": case "--opt": break;  // meaningful for the libsasl2 peer only
                case "--service": service = v; break;
                case "--host": host = v; break;
                case "--realm": realm = v; haveRealm = true; break;
                case "--user": {
                    user = v;
                    int c = v.indexOf(':');
                    if (c >= 0) users.put(v.substring(0, c), v.substring(c + 1));
                    break;
                }
                case "--password": password = v; break;
                case "--authzid": authzid = v; break;
                case "--allow-proxy": {
                    int c = v.indexOf(':');
                    if (c < 0) throw new IllegalArgumentException("--allow-proxy needs AUTHID:AUTHZID");
                    proxy.add(v.substring(0, c) + "\0" + v.substring(c + 1));
                    break;
                }
                case "--min-ssf": minSsf = Long.parseLong(v); break;
                case "--max-ssf": maxSsf = Long.parseLong(v); break;
                case "--maxbuf": maxbuf = Long.parseLong(v); break;
                case "--qop": qop = v; break;
                case "--cipher": cipher = v; break;
                case "--chunk": chunk = Integer.parseInt(v); break;
                case "--timeout": timeout = Integer.parseInt(v); break;
                case "--echo-sizes":
                    for (String s : v.split(",")) if (!s.isEmpty()) echoSizes.add(Integer.parseInt(s));
                    break;
                default: throw new IllegalArgumentException("unknown option " + o);
            }
        }
        if (server == client || port < 0 || timeout <= 0) throw new IllegalArgumentException("bad mode/port/timeout");
        if (client && user.isEmpty()) throw new IllegalArgumentException("--client needs --user");
    }

    void startWatchdog() {
        final long deadline = System.nanoTime() + timeout * 1_000_000_000L;
        Thread t = new Thread(() -> {
            try {
                long left;
                while ((left = deadline - System.nanoTime()) > 0) Thread.sleep(Math.max(1, left / 1_000_000));
            } catch (InterruptedException e) {
                return;
            }
            line("TIMEOUT " + (phaseExit == EXIT_AUTH ? "auth" : "data"));
            Runtime.getRuntime().halt(phaseExit);
        });
        t.setDaemon(true);
        t.start();
    }

    synchronized void line(String s) {
        System.out.println(s);
        System.out.flush();
    }

    void log(String s) {
        if (verbose) System.err.println("JavaPeer: " + s);
    }

    // ------------------------------------------------------------ framing

    String readLine() throws IOException {
        lineBuf.reset();
        for (;;) {
            int b = in.read();
            if (b < 0) throw new IOException("connection closed by peer");
            if (b == '\n') return lineBuf.toString(StandardCharsets.ISO_8859_1);
            lineBuf.write(b);
        }
    }

    void send(String s) throws IOException {
        out.write((s + "\n").getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
    }

    static String tagged(String tag, byte[] data) {
        if (data == null || data.length == 0) return tag;
        return tag + " " + Base64.getEncoder().encodeToString(data);
    }

    static String tagOf(String l) {
        int sp = l.indexOf(' ');
        return sp < 0 ? l : l.substring(0, sp);
    }

    static String restOf(String l) {
        int sp = l.indexOf(' ');
        return sp < 0 ? "" : l.substring(sp + 1);
    }

    static byte[] b64(String s) {
        return Base64.getDecoder().decode(s);  // IllegalArgumentException on bad input
    }

    // ------------------------------------------------------------ security properties

    /** Ciphers whose SSF lies inside the --min-ssf/--max-ssf window. */
    List<String> ciphersInWindow() {
        List<String> r = new ArrayList<>();
        for (Map.Entry<String, Integer> e : CIPHER_SSF.entrySet())
            if (e.getValue() >= minSsf && e.getValue() <= maxSsf) r.add(e.getKey());
        return r;
    }

    Map<String, Object> saslProps() {
        Map<String, Object> props = new HashMap<>();
        List<String> ciphers = ciphersInWindow();
        String q = qop;
        if (q == null) {
            List<String> l = new ArrayList<>();
            if (!ciphers.isEmpty()) l.add("auth-conf");
            if (minSsf <= 1 && maxSsf >= 1) l.add("auth-int");
            if (minSsf == 0) l.add("auth");
            q = String.join(",", l);
        }
        props.put(Sasl.QOP, q);
        List<String> strength = new ArrayList<>();
        if (ciphers.contains("3des") || ciphers.contains("rc4")) strength.add("high");
        if (ciphers.contains("des") || ciphers.contains("rc4-56")) strength.add("medium");
        if (ciphers.contains("rc4-40")) strength.add("low");
        if (!strength.isEmpty() && cipher == null) props.put(Sasl.STRENGTH, String.join(",", strength));
        props.put(Sasl.MAX_BUFFER, Long.toString(maxbuf));
        if (client) {
            String c = cipher;
            if (c == null && !ciphers.isEmpty() && ciphers.size() < CIPHER_SSF.size())
                c = ciphers.get(ciphers.size() - 1);  // strongest inside a narrowed window
            if (c != null) props.put(CIPHER_PROP, c);
        }
        if (server && haveRealm) props.put(REALM_PROP, realm);
        log("properties " + props);
        return props;
    }

    /** The negotiated cipher token, read from the mechanism object (null if unavailable). */
    static String negotiatedCipher(Object mech) {
        for (Class<?> c = mech.getClass(); c != null; c = c.getSuperclass()) {
            try {
                Field f = c.getDeclaredField("negotiatedCipher");
                f.setAccessible(true);
                return (String) f.get(mech);
            } catch (NoSuchFieldException e) {
                // look in the superclass
            } catch (ReflectiveOperationException | RuntimeException e) {
                return null;
            }
        }
        return null;
    }

    int ssfOf(String negotiatedQop, Object mech, Object strength) {
        if (negotiatedQop == null || negotiatedQop.equals("auth")) return 0;
        if (negotiatedQop.equals("auth-int")) return 1;
        String c = negotiatedCipher(mech);
        if (c == null && client) c = cipher;
        if (c != null && CIPHER_SSF.containsKey(c)) return CIPHER_SSF.get(c);
        System.err.println("JavaPeer: cipher not visible (missing --add-opens?); SSF guessed from strength " + strength);
        return "low".equals(strength) ? 40 : "medium".equals(strength) ? 56 : 128;
    }

    // ------------------------------------------------------------ security layer

    interface Layer {
        byte[] wrap(byte[] b, int off, int len) throws SaslException;
        byte[] unwrap(byte[] b, int off, int len) throws SaslException;
    }

    Layer layer;        // null when no security layer (qop auth)
    int rawSendSize;

    static byte[] makeMessage(int size) {
        int x = (int) ((size * 2654435761L) & 0xffffffffL) ^ 0x9E3779B9;
        if (x == 0) x = 1;
        byte[] m = new byte[size];
        for (int i = 0; i < size; i++) {
            x ^= x << 13;
            x ^= x >>> 17;
            x ^= x << 5;
            m[i] = (byte) x;
        }
        return m;
    }

    /** Sends "E size", the wire octets as "D" lines, "F". */
    void sendMessage(byte[] msg) throws IOException {
        send("E " + msg.length);
        int step = layer == null ? 65536 : (rawSendSize > 0 ? rawSendSize : Math.max(msg.length, 1));
        for (int off = 0; off < msg.length; off += step) {
            int n = Math.min(step, msg.length - off);
            if (layer == null) {
                send(tagged("D", Arrays.copyOfRange(msg, off, off + n)));
                continue;
            }
            byte[] w = layer.wrap(msg, off, n);
            byte[] pkt = new byte[4 + w.length];
            pkt[0] = (byte) (w.length >>> 24);
            pkt[1] = (byte) (w.length >>> 16);
            pkt[2] = (byte) (w.length >>> 8);
            pkt[3] = (byte) w.length;
            System.arraycopy(w, 0, pkt, 4, w.length);
            send(tagged("D", pkt));
        }
        send("F");
    }

    /** Thrown by receive for decode and protocol errors. */
    static final class DataError extends Exception {
        private static final long serialVersionUID = 1L;
        final boolean fromPeer;
        DataError(String m, boolean fromPeer) {
            super(m);
            this.fromPeer = fromPeer;
        }
    }

    /** Receives the "D" lines after an "E" line up to "F" and returns the plaintext. */
    byte[] receiveMessage() throws IOException, DataError {
        ByteArrayOutputStream plain = new ByteArrayOutputStream();
        Reassembler packets = new Reassembler();
        String err = null;
        for (;;) {
            String l = readLine();
            String tag = tagOf(l);
            if (tag.equals("F")) break;
            if (tag.equals("NO")) throw new DataError(restOf(l), true);
            if (!tag.equals("D")) throw new DataError("protocol: unexpected '" + tag + "'", false);
            byte[] wire;
            try {
                wire = b64(restOf(l));
            } catch (IllegalArgumentException e) {
                throw new DataError("protocol: bad base64", false);
            }
            if (err != null) continue;  // keep reading to the "F" after a decode failure
            if (layer == null) {
                plain.write(wire, 0, wire.length);
                continue;
            }
            int step = chunk > 0 ? chunk : Math.max(wire.length, 1);
            for (int off = 0; off < wire.length && err == null; off += step)
                err = packets.feed(wire, off, Math.min(step, wire.length - off), plain);
        }
        if (err != null) throw new DataError(err, false);
        if (packets.fill != 0) throw new DataError("decode incomplete packet at end of message", false);
        return plain.toByteArray();
    }

    /** Collects wire octets and unwraps each complete length-prefixed packet. */
    final class Reassembler {
        byte[] buf = new byte[4096];
        int fill;

        /** Adds octets, unwrapping into plain; returns an error text or null. */
        String feed(byte[] b, int off, int n, ByteArrayOutputStream plain) {
            if (fill + n > buf.length) buf = Arrays.copyOf(buf, Math.max(buf.length * 2, fill + n));
            System.arraycopy(b, off, buf, fill, n);
            fill += n;
            int pos = 0;
            String err = null;
            while (fill - pos >= 4) {
                long len = ((buf[pos] & 0xffL) << 24) | ((buf[pos + 1] & 0xff) << 16)
                    | ((buf[pos + 2] & 0xff) << 8) | (buf[pos + 3] & 0xff);
                if (len > maxbuf) {
                    err = "decode packet of " + len + " octets exceeds maxbuf " + maxbuf;
                    break;
                }
                if (fill - pos - 4 < len) break;
                try {
                    byte[] p = layer.unwrap(buf, pos + 4, (int) len);
                    // Java returns an empty array for a packet it rejects; senders here never
                    // wrap empty messages, so an empty result is always a rejection.
                    if (p == null || p.length == 0) {
                        err = "decode unwrap returned nothing for a " + len + "-octet packet (rejected)";
                        break;
                    }
                    plain.write(p, 0, p.length);
                } catch (SaslException e) {
                    err = "decode " + e.getMessage();
                    break;
                }
                pos += 4 + (int) len;
            }
            System.arraycopy(buf, pos, buf, 0, fill - pos);
            fill -= pos;
            return err;
        }
    }

    static String compare(byte[] got, int size) {
        if (got.length != size) return "length " + got.length + " != " + size;
        if (!Arrays.equals(got, makeMessage(size))) return "content differs";
        return null;
    }

    int clientDataPhase() throws IOException {
        phaseExit = EXIT_DATA;
        for (int size : echoSizes) {
            try {
                sendMessage(makeMessage(size));
            } catch (SaslException e) {
                line("ECHO FAIL " + size + " encode " + e.getMessage());
                send("NO encode failed");
                return EXIT_DATA;
            }
            String l = readLine();
            if (tagOf(l).equals("NO")) {
                line("ECHO FAIL " + size + " peer: " + restOf(l));
                return EXIT_DATA;
            }
            if (!l.equals("E " + size)) {
                line("ECHO FAIL " + size + " protocol: expected 'E " + size + "'");
                return EXIT_DATA;
            }
            String err;
            try {
                err = compare(receiveMessage(), size);
            } catch (DataError e) {
                err = e.fromPeer ? "peer: " + e.getMessage() : e.getMessage();
            }
            if (err != null) {
                line("ECHO FAIL " + size + " " + err);
                send("NO " + err);
                return EXIT_DATA;
            }
            line("ECHO OK " + size);
        }
        send("BYE");
        return EXIT_OK;
    }

    int serverDataPhase() throws IOException {
        phaseExit = EXIT_DATA;
        int rc = EXIT_OK;
        for (;;) {
            String l = readLine();
            String tag = tagOf(l);
            if (tag.equals("BYE")) return rc;
            if (tag.equals("NO")) {
                line("PEER FAIL " + restOf(l));
                return EXIT_DATA;
            }
            if (!tag.equals("E")) {
                line("RECV FAIL ? protocol: unexpected '" + tag + "'");
                return EXIT_DATA;
            }
            int size = Integer.parseInt(restOf(l));
            byte[] got;
            try {
                got = receiveMessage();
            } catch (DataError e) {
                if (e.fromPeer) {
                    line("PEER FAIL " + e.getMessage());
                } else {
                    line("RECV FAIL " + size + " " + e.getMessage());
                    send("NO " + e.getMessage());
                }
                return EXIT_DATA;
            }
            String err = compare(got, size);
            if (err == null) {
                line("RECV OK " + size);
            } else {
                line("RECV FAIL " + size + " " + err);
                rc = EXIT_DATA;
            }
            try {
                sendMessage(got);
            } catch (SaslException e) {
                line("RECV FAIL " + size + " echo encode " + e.getMessage());
                send("NO encode failed");
                return EXIT_DATA;
            }
        }
    }

    // ------------------------------------------------------------ authentication

    int authFail(Exception e) throws IOException {
        String d = String.valueOf(e.getMessage()).replace('\n', ' ');
        line("AUTH FAIL -1 " + d);
        try {
            send("NO -1 " + d);
        } catch (IOException ignored) {
            // the peer may be gone already
        }
        return EXIT_AUTH;
    }

    String authid;  // server: authentication id seen in the callbacks

    int runServer() throws IOException {
        Map<String, Object> props = saslProps();
        CallbackHandler cbh = callbacks -> {
            String name = null;
            for (Callback cb : callbacks) {
                if (cb instanceof RealmCallback) {
                    RealmCallback rc = (RealmCallback) cb;
                    rc.setText(rc.getDefaultText());
                } else if (cb instanceof NameCallback) {
                    NameCallback nc = (NameCallback) cb;
                    name = nc.getDefaultName();
                    nc.setName(name);
                    authid = name;
                } else if (cb instanceof PasswordCallback) {
                    String pw = name == null ? null : users.get(name);
                    if (pw != null) ((PasswordCallback) cb).setPassword(pw.toCharArray());
                    log("password lookup for " + name + (pw == null ? ": unknown user" : ""));
                } else if (cb instanceof AuthorizeCallback) {
                    AuthorizeCallback ac = (AuthorizeCallback) cb;
                    String a = ac.getAuthenticationID(), z = ac.getAuthorizationID();
                    boolean ok = z == null || z.isEmpty() || z.equals(a) || proxy.contains(a + "\0" + z);
                    log("authorize " + a + " as " + z + ": " + ok);
                    ac.setAuthorized(ok);
                    if (ok) ac.setAuthorizedID(z == null || z.isEmpty() ? a : z);
                } else {
                    throw new UnsupportedCallbackException(cb);
                }
            }
        };
        SaslServer ss;
        ServerSocket listener = new ServerSocket();
        try {
            ss = Sasl.createSaslServer(MECH, service, host, props, cbh);
            if (ss == null) throw new SaslException("no DIGEST-MD5 server");
            listener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1);
        } catch (IOException e) {
            System.err.println("JavaPeer: setup: " + e);
            return EXIT_SETUP;
        }
        line("PORT " + listener.getLocalPort());
        listener.setSoTimeout(timeout * 1000);
        Socket s;
        try {
            s = listener.accept();
        } catch (SocketTimeoutException e) {
            line("TIMEOUT accept");
            return EXIT_AUTH;
        }
        listener.close();
        in = new BufferedInputStream(s.getInputStream());
        out = s.getOutputStream();

        try {
            String l = readLine();
            if (tagOf(l).equals("NO")) {
                line("PEER FAIL " + restOf(l));
                return EXIT_AUTH;
            }
            if (!tagOf(l).equals("C")) throw new SaslException("protocol: expected 'C'");
            byte[] resp = restOf(l).equals("-") ? new byte[0] : b64(restOf(l));
            byte[] chal = ss.evaluateResponse(resp);
            while (!ss.isComplete()) {
                send(tagged("S", chal));
                l = readLine();
                if (tagOf(l).equals("NO")) {
                    line("PEER FAIL " + restOf(l));
                    return EXIT_AUTH;
                }
                if (!tagOf(l).equals("C")) throw new SaslException("protocol: expected 'C'");
                chal = ss.evaluateResponse(b64(restOf(l)));
            }
            if (!successData && chal != null && chal.length > 0) {
                // No success data: the final data goes as a challenge, answered by an empty response.
                send(tagged("S", chal));
                l = readLine();
                if (tagOf(l).equals("NO")) {
                    line("PEER FAIL " + restOf(l));
                    return EXIT_AUTH;
                }
                if (!l.equals("C")) throw new SaslException("protocol: expected an empty 'C'");
                chal = null;
            }
            send(tagged("OK", chal));
        } catch (SaslException | IllegalArgumentException e) {
            return authFail(e);
        }
        String l = readLine();
        if (!tagOf(l).equals("OK")) {
            line("PEER FAIL " + (tagOf(l).equals("NO") ? restOf(l) : "protocol: expected 'OK', got '" + l + "'"));
            return EXIT_AUTH;
        }
        line("AUTH OK");
        String q = (String) ss.getNegotiatedProperty(Sasl.QOP);
        int ssf = ssfOf(q, ss, ss.getNegotiatedProperty(Sasl.STRENGTH));
        rawSendSize = parseInt(ss.getNegotiatedProperty(Sasl.RAW_SEND_SIZE));
        line("SSF " + ssf);
        line("MAXOUTBUF " + rawSendSize);
        String zid = ss.getAuthorizationID();
        line("AUTHID " + authid);
        if (zid != null && !zid.equals(authid)) line("AUTHZID " + zid);
        if (ssf > 0) {
            layer = new Layer() {
                public byte[] wrap(byte[] b, int o, int n) throws SaslException { return ss.wrap(b, o, n); }
                public byte[] unwrap(byte[] b, int o, int n) throws SaslException { return ss.unwrap(b, o, n); }
            };
        }
        int rc = serverDataPhase();
        s.close();
        return rc;
    }

    static int parseInt(Object o) {
        try {
            return o == null ? 0 : Integer.parseInt(o.toString());
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    int runClient() throws IOException {
        Map<String, Object> props = saslProps();
        CallbackHandler cbh = callbacks -> {
            for (Callback cb : callbacks) {
                if (cb instanceof NameCallback) {
                    ((NameCallback) cb).setName(user);
                } else if (cb instanceof PasswordCallback) {
                    ((PasswordCallback) cb).setPassword(password.toCharArray());
                } else if (cb instanceof RealmChoiceCallback) {
                    RealmChoiceCallback rc = (RealmChoiceCallback) cb;
                    int pick = haveRealm ? Arrays.asList(rc.getChoices()).indexOf(realm) : 0;
                    rc.setSelectedIndex(Math.max(pick, 0));
                } else if (cb instanceof RealmCallback) {
                    RealmCallback rc = (RealmCallback) cb;
                    String d = rc.getDefaultText();
                    rc.setText(haveRealm ? realm : d == null ? "" : d);
                } else {
                    throw new UnsupportedCallbackException(cb);
                }
            }
        };
        SaslClient sc;
        Socket s = new Socket();
        try {
            sc = Sasl.createSaslClient(new String[] {MECH}, authzid, service, host, props, cbh);
            if (sc == null) throw new SaslException("no DIGEST-MD5 client");
            s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), timeout * 1000);
        } catch (IOException e) {
            System.err.println("JavaPeer: setup: " + e);
            return EXIT_SETUP;
        }
        in = new BufferedInputStream(s.getInputStream());
        out = s.getOutputStream();
        try {
            if (sc.hasInitialResponse()) {
                byte[] r = sc.evaluateChallenge(new byte[0]);
                send(r == null ? "C -" : tagged("C", r));
            } else {
                send("C -");
            }
            for (;;) {
                String l = readLine();
                String tag = tagOf(l);
                if (tag.equals("NO")) {
                    line("PEER FAIL " + restOf(l));
                    return EXIT_AUTH;
                }
                byte[] data = b64(restOf(l));
                if (tag.equals("S")) {
                    send(tagged("C", sc.evaluateChallenge(data)));
                } else if (tag.equals("OK")) {
                    if (data.length > 0) sc.evaluateChallenge(data);
                    if (!sc.isComplete()) throw new SaslException("server said OK before the client finished");
                    break;
                } else {
                    throw new SaslException("protocol: unexpected '" + tag + "'");
                }
            }
        } catch (SaslException | IllegalArgumentException e) {
            return authFail(e);
        }
        send("OK");
        line("AUTH OK");
        String q = (String) sc.getNegotiatedProperty(Sasl.QOP);
        int ssf = ssfOf(q, sc, sc.getNegotiatedProperty(Sasl.STRENGTH));
        rawSendSize = parseInt(sc.getNegotiatedProperty(Sasl.RAW_SEND_SIZE));
        line("SSF " + ssf);
        line("MAXOUTBUF " + rawSendSize);
        if (ssf > 0) {
            layer = new Layer() {
                public byte[] wrap(byte[] b, int o, int n) throws SaslException { return sc.wrap(b, o, n); }
                public byte[] unwrap(byte[] b, int o, int n) throws SaslException { return sc.unwrap(b, o, n); }
            };
        }
        int rc = clientDataPhase();
        s.close();
        return rc;
    }
}
