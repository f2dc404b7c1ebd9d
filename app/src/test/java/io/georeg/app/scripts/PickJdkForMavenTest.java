package io.georeg.app.scripts;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code pick_jdk_for_maven} of scripts/lib.sh gives Maven {@code --sun-misc-unsafe-memory-access=allow}
 * only on a JDK that starts with it: JDK 23 and later know it, JDK 21 and 22 refuse to start with
 * it, so a fixed {@code .mvn/jvm.config} entry would break the build on the oldest JDKs the scripts accept.
 */
class PickJdkForMavenTest {
    private static final String OPTION = "--sun-misc-unsafe-memory-access=allow";

    @TempDir
    Path dir;

    /** A JDK home whose java reports {@code feature} and, like HotSpot 21 and 22, fails to start on an unknown option. */
    private Path jdkThatRejectsTheOption(int feature) throws IOException {
        Path bin = Files.createDirectories(dir.resolve("jdk-" + feature + "/bin"));
        String java = """
                #!/bin/sh
                for arg in "$@"; do
                  case "$arg" in
                    --sun-misc-unsafe-memory-access=*)
                      echo "Unrecognized option: $arg" >&2
                      echo "Error: Could not create the Java Virtual Machine." >&2
                      exit 1 ;;
                    -XshowSettings:properties) echo "    java.specification.version = %d" >&2 ;;
                  esac
                done
                echo "openjdk version \\"%d\\"" >&2
                """.formatted(feature, feature);
        for (String tool : new String[] {"java", "javac"}) {
            Path file = Files.writeString(bin.resolve(tool), java);
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        return bin.getParent();
    }

    private static String mavenOptsAfterPick(Map<String, String> environment) throws Exception {
        return LibSh.runOk(environment, "pick_jdk_for_maven; printf '%s' \"$MAVEN_OPTS\"")
                .out();
    }

    @Test
    void aJdkThatRejectsTheOptionIsPickedWithoutIt() throws Exception {
        Path jdk21 = jdkThatRejectsTheOption(21);
        LibSh.Result picked = LibSh.runOk(
                Map.of("JAVA_HOME", jdk21.toString(), "MAVEN_OPTS", "-Xmx1g"),
                "pick_jdk_for_maven; printf '%s|%s' \"$JAVA_HOME\" \"$MAVEN_OPTS\"");
        assertThat(picked.out()).isEqualTo(jdk21 + "|-Xmx1g");
    }

    @Test
    void theRunningJdkGetsTheOptionExactlyWhenItKnowsIt() throws Exception {
        String javaHome = System.getProperty("java.home");
        String opts = mavenOptsAfterPick(Map.of("JAVA_HOME", javaHome, "MAVEN_OPTS", ""));
        if (Runtime.version().feature() >= 23) {
            assertThat(opts).isEqualTo(OPTION);
        } else {
            assertThat(opts).isEmpty();
        }
    }

    @Test
    void anOptionAlreadyInMavenOptsIsNotRepeatedAndOthersAreKept() throws Exception {
        String javaHome = System.getProperty("java.home");
        String before = "-Xmx1g " + OPTION;
        String opts = mavenOptsAfterPick(Map.of("JAVA_HOME", javaHome, "MAVEN_OPTS", before));
        assertThat(opts).isEqualTo(before);
    }

    @Test
    void theBuildsFixedJvmOptionsNameNoOptionThatOnlySomeJdksKnow() throws Exception {
        Path jvmConfig = LibSh.repositoryRoot().resolve(".mvn/jvm.config");
        String fixed = Files.isRegularFile(jvmConfig) ? Files.readString(jvmConfig) : "";
        assertThat(fixed).doesNotContain("--sun-misc-unsafe-memory-access");
    }
}
