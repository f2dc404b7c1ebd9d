package io.georeg.router.outage;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PasswordHashTest {

    @Test
    void verifiesTheSamePasswordAndNothingElse() {
        String hash = PasswordHash.hash("s3cret");

        assertThat(hash).startsWith("$argon2id$v=19$m=19456,t=2,p=1$").doesNotContain("s3cret");
        assertThat(PasswordHash.verify("s3cret", hash)).isTrue();
        assertThat(PasswordHash.verify("s3cret ", hash)).isFalse();
        assertThat(PasswordHash.verify("", hash)).isFalse();
        assertThat(PasswordHash.hash("s3cret")).isNotEqualTo(hash);
    }

    @Test
    void theParametersTravelWithTheHashSoOldHashesStayVerifiable() {
        // A hash written with other (cheaper) parameters still verifies: the string says how to recompute it.
        String stronger = PasswordHash.hash("pw");
        String weaker = stronger.replace("m=19456,t=2,p=1", "m=64,t=1,p=1");

        assertThat(PasswordHash.verify("pw", stronger)).isTrue();
        assertThat(PasswordHash.verify("pw", weaker)).isFalse(); // same salt and hash, other parameters: another hash
    }

    @Test
    void anythingThatIsNotOurHashNeverVerifies() {
        assertThat(PasswordHash.verify("pw", "")).isFalse();
        assertThat(PasswordHash.verify("pw", "pw")).isFalse();
        assertThat(
                        PasswordHash.verify(
                                "pw",
                                "$argon2i$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g"))
                .isFalse();
        assertThat(
                        PasswordHash.verify(
                                "pw",
                                "$argon2id$v=19$m=99999999,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g"))
                .isFalse();
        assertThat(PasswordHash.verifyNothing("pw")).isFalse();
    }
}
