package io.georeg.storage.gcs;

import com.google.auth.oauth2.ServiceAccountCredentials;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;

/** A service account with a freshly generated RSA key: it signs locally and is never sent anywhere. */
final class TestServiceAccount {
    private TestServiceAccount() {}

    static ServiceAccountCredentials credentials() throws NoSuchAlgorithmException {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        return ServiceAccountCredentials.newBuilder()
                .setClientEmail("georeg-test@georeg-test.iam.gserviceaccount.com")
                .setClientId("georeg-test")
                .setPrivateKey(generator.generateKeyPair().getPrivate())
                .setPrivateKeyId("test-key")
                .setProjectId("georeg-test")
                .build();
    }
}
