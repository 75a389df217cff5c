package io.github.connectionhandling.it;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

import org.springframework.test.context.DynamicPropertyRegistry;

/**
 * A self-signed key store for {@code localhost} and {@code 127.0.0.1}, made with the
 * running JDK's {@code keytool} once per test run, and a client context that trusts it.
 */
final class SelfSignedTls {

	private static final String PASSWORD = "changeit";

	private static Path keyStore;

	private SelfSignedTls() {
	}

	/** Serve TLS ({@code server.ssl.*}) with the key store. */
	static void register(DynamicPropertyRegistry registry) throws Exception {
		Path keyStore = keyStore();
		registry.add("server.ssl.enabled", () -> "true");
		registry.add("server.ssl.key-store", () -> keyStore.toUri().toString());
		registry.add("server.ssl.key-store-type", () -> "PKCS12");
		registry.add("server.ssl.key-store-password", () -> PASSWORD);
		registry.add("server.ssl.key-alias", () -> "server");
	}

	/** A client context that trusts the key store's certificate only. */
	static SSLContext clientContext() throws Exception {
		KeyStore trusted = KeyStore.getInstance("PKCS12");
		try (InputStream in = Files.newInputStream(keyStore())) {
			trusted.load(in, PASSWORD.toCharArray());
		}
		TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
		trust.init(trusted);
		SSLContext context = SSLContext.getInstance("TLS");
		context.init(null, trust.getTrustManagers(), null);
		return context;
	}

	private static synchronized Path keyStore() throws Exception {
		if (keyStore != null) {
			return keyStore;
		}
		Path dir = Files.createTempDirectory("connection-handling-tls");
		Path file = dir.resolve("server.p12");
		Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
		Process process = new ProcessBuilder(keytool.toString(), "-genkeypair", "-alias", "server", "-keyalg", "EC",
				"-groupname", "secp256r1", "-dname", "CN=localhost", "-ext", "SAN=dns:localhost,ip:127.0.0.1",
				"-validity", "2", "-storetype", "PKCS12", "-keystore", file.toString(), "-storepass", PASSWORD,
				"-keypass", PASSWORD)
			.redirectErrorStream(true)
			.start();
		String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
		if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
			throw new IllegalStateException("keytool failed: " + output);
		}
		file.toFile().deleteOnExit();
		dir.toFile().deleteOnExit();
		keyStore = file;
		return file;
	}

}
