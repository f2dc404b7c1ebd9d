package io.georeg.replica.cache;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class DoorkeeperTest {

    @Test
    void aKeyIsRefusedOnItsFirstSightingAndLetInOnItsSecond() {
        Doorkeeper door = new Doorkeeper(1000);
        assertThat(door.seenBefore("t scale/r000001 t1".hashCode())).isFalse();
        assertThat(door.seenBefore("t scale/r000002 t1".hashCode())).isFalse();
        assertThat(door.seenBefore("t scale/r000001 t1".hashCode())).isTrue();
    }

    @Test
    void aKeyMustComeBackWithinTheWindow() {
        Doorkeeper door = new Doorkeeper(100);
        int key = "b scale/big sha256:0".hashCode();
        door.seenBefore(key);
        for (int i = 0; i < 100; i++) {
            door.seenBefore(("other " + i).hashCode());
        }
        assertThat(door.seenBefore(key)).as("cleared after 100 first sightings").isFalse();
    }

    @Test
    void fewKeysOfAWindowAreTakenForSeenOnes() {
        int window = 100_000;
        Doorkeeper door = new Doorkeeper(window);
        int falsePositives = 0;
        for (int i = 0; i < window - 1; i++) {
            if (door.seenBefore(("t scale/r" + i + " t3").hashCode())) {
                falsePositives++;
            }
        }
        assertThat(falsePositives).isLessThan(window / 20);
    }
}
