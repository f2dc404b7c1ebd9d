package io.georeg.egress;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class JdkClientPropertiesTest {
    private String tunnel;
    private String buffers;

    @BeforeEach
    void remember() {
        tunnel = System.getProperty(JdkClientProperties.TUNNEL_DISABLED_SCHEMES);
        buffers = System.getProperty(JdkClientProperties.BUFFER_SIZE);
    }

    @AfterEach
    void restore() {
        restore(JdkClientProperties.TUNNEL_DISABLED_SCHEMES, tunnel);
        restore(JdkClientProperties.BUFFER_SIZE, buffers);
    }

    @Test
    void unsetPropertiesGetGeoregsValues() {
        System.clearProperty(JdkClientProperties.TUNNEL_DISABLED_SCHEMES);
        System.clearProperty(JdkClientProperties.BUFFER_SIZE);

        JdkClientProperties.applyDefaults();

        assertThat(System.getProperty(JdkClientProperties.TUNNEL_DISABLED_SCHEMES))
                .isEmpty();
        assertThat(System.getProperty(JdkClientProperties.BUFFER_SIZE)).isEqualTo("262144");
    }

    @Test
    void anOperatorsValuesAreKept() {
        System.setProperty(JdkClientProperties.TUNNEL_DISABLED_SCHEMES, "Basic");
        System.setProperty(JdkClientProperties.BUFFER_SIZE, "65536");

        JdkClientProperties.applyDefaults();

        assertThat(System.getProperty(JdkClientProperties.TUNNEL_DISABLED_SCHEMES))
                .isEqualTo("Basic");
        assertThat(System.getProperty(JdkClientProperties.BUFFER_SIZE)).isEqualTo("65536");
    }

    private static void restore(String key, String value) {
        if (value == null) {
            System.clearProperty(key);
        } else {
            System.setProperty(key, value);
        }
    }
}
