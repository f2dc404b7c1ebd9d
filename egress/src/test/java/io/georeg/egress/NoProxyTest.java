package io.georeg.egress;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class NoProxyTest {
    @ParameterizedTest(name = "{0} bypasses {1}:{2} = {3}")
    @CsvSource({
        // a domain: itself and its subdomains, not a name that merely ends like it
        "corp.example, corp.example, 443, true",
        "corp.example, Registry.CORP.example, 443, true",
        "corp.example, registry.corp.example., 443, true",
        "corp.example, notcorp.example, 443, false",
        "corp.example, corp.example.evil, 443, false",
        // a leading dot or *.: subdomains only
        ".corp.example, registry.corp.example, 443, true",
        ".corp.example, corp.example, 443, false",
        "*.corp.example, registry.corp.example, 443, true",
        "*.corp.example, corp.example, 443, false",
        // addresses and blocks match hosts given as addresses; names are never resolved
        "10.1.2.3, 10.1.2.3, 5000, true",
        "10.1.2.3, 10.1.2.4, 5000, false",
        "10.0.0.0/8, 10.200.0.7, 443, true",
        "10.0.0.0/8, 11.0.0.1, 443, false",
        "10.0.0.0/8, ten.corp.example, 443, false",
        "127.0.0.1, localhost, 443, false",
        "fd00::/8, [fd12::1], 443, true",
        "fd00::/8, [fe80::1], 443, false",
        "[::1], [::1], 443, true",
        // a port narrows the entry to that port
        "registry.corp.example:5000, registry.corp.example, 5000, true",
        "registry.corp.example:5000, registry.corp.example, 443, false",
        "10.0.0.0/8:443, 10.0.0.1, 443, true",
        "[::1]:5000, [::1], 443, false",
        // everything
        "*, anything.example, 443, true",
        "*:5000, anything.example, 443, false",
    })
    void entriesReadAsNoProxyDoesForGoClients(String entry, String host, int port, boolean bypasses) {
        NoProxy noProxy = NoProxy.parse(List.of(entry));

        assertThat(noProxy.problems()).isEmpty();
        assertThat(noProxy.bypasses(host, port)).isEqualTo(bypasses);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "  ", "10.0.0.0/33", "10.0.0.0/x", "host:0", "host:99999", "host:port", "a b", "[::1"})
    void anEntryThatCannotBeReadIsAProblemNamingTheKey(String entry) {
        assertThat(NoProxy.parse(List.of("fine.example", entry)).problems())
                .singleElement()
                .asString()
                .startsWith("primary.noProxy entry '" + entry + "'")
                .contains("give a host name");
    }

    @ParameterizedTest
    @ValueSource(strings = {"registry.corp.example", "10.0.0.1"})
    void withoutEntriesEveryHostTakesTheProxy(String host) {
        assertThat(NoProxy.parse(List.of()).bypasses(host, 443)).isFalse();
    }
}
