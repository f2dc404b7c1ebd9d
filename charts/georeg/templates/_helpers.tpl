{{/* Names and labels. */}}
{{- define "georeg.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "georeg.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "georeg.selectorLabels" -}}
app.kubernetes.io/name: {{ include "georeg.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "georeg.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{ include "georeg.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: georeg
{{- end -}}

{{- define "georeg.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}

{{- define "georeg.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "georeg.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "georeg.secretName" -}}
{{- printf "%s-secrets" (include "georeg.fullname" .) -}}
{{- end -}}

{{/*
The Secret holding the notification secret: the user's, the chart's (notifications.secret set),
or the one generated at install (notification-secret.yaml).
*/}}
{{- define "georeg.notificationSecretName" -}}
{{- if .Values.notifications.existingSecret -}}
{{- .Values.notifications.existingSecret -}}
{{- else if .Values.notifications.secret -}}
{{- include "georeg.secretName" . -}}
{{- else -}}
{{- printf "%s-notification" (include "georeg.fullname" .) -}}
{{- end -}}
{{- end -}}

{{/*
The Secret holding the router's admin token: the user's, the chart's (router.admin.token set),
or the one generated at install (admin-secret.yaml).
*/}}
{{- define "georeg.adminSecretName" -}}
{{- $a := .Values.router.admin -}}
{{- if $a.existingSecret -}}
{{- $a.existingSecret -}}
{{- else if $a.token -}}
{{- include "georeg.secretName" . -}}
{{- else -}}
{{- printf "%s-admin" (include "georeg.fullname" .) -}}
{{- end -}}
{{- end -}}

{{/*
"true" when this component mounts a filesystem volume that attaches to one node only
(ReadWriteOnce) and colocatePods asks for its pods to share a node with the volume's other users.
*/}}
{{- define "georeg.colocated" -}}
{{- $v := .root.Values -}}
{{- $p := $v.storage.filesystem.persistence -}}
{{- if and (or (eq .component "registry-read") (eq .component "replicator")) (eq $v.storage.backend "filesystem") $p.colocatePods (not (has "ReadWriteMany" $p.accessModes)) -}}
true
{{- end -}}
{{- end -}}

{{/* The pod label that the colocation affinity selects on. */}}
{{- define "georeg.colocationLabel" -}}georeg.io/volume: data{{- end -}}

{{/*
A component's affinity: its own value, plus (when georeg.colocated) a required pod affinity to
the pods that mount the same ReadWriteOnce volume, by node. The first such pod matches its own
term, so it schedules anywhere; every later one follows it onto that node.
*/}}
{{- define "georeg.affinity" -}}
{{- $affinity := deepCopy (default dict .values.affinity) -}}
{{- if include "georeg.colocated" . -}}
{{- $podAffinity := default dict $affinity.podAffinity -}}
{{- $terms := default list (get $podAffinity "requiredDuringSchedulingIgnoredDuringExecution") -}}
{{- $labels := merge (include "georeg.selectorLabels" .root | fromYaml) (include "georeg.colocationLabel" .root | fromYaml) -}}
{{- $term := dict "topologyKey" "kubernetes.io/hostname" "labelSelector" (dict "matchLabels" $labels) -}}
{{- $_ := set $podAffinity "requiredDuringSchedulingIgnoredDuringExecution" (append $terms $term) -}}
{{- $_ := set $affinity "podAffinity" $podAffinity -}}
{{- end -}}
{{- if $affinity -}}
{{- toYaml $affinity -}}
{{- end -}}
{{- end -}}

{{- define "georeg.publicUrl" -}}
{{- if .Values.publicUrl -}}
{{- .Values.publicUrl -}}
{{- else -}}
{{- printf "%s://%s" (ternary "https" "http" .Values.ingress.tls.enabled) .Values.ingress.host -}}
{{- end -}}
{{- end -}}

{{- define "georeg.pvcName" -}}
{{- default (printf "%s-data" (include "georeg.fullname" .)) .Values.storage.filesystem.persistence.existingClaim -}}
{{- end -}}

{{/* Where the secret files are mounted in every container. */}}
{{- define "georeg.secretDir" -}}/etc/georeg/secrets{{- end -}}

{{/*
The georeg configuration of one component ("router", "registry-read", "replicator" or "migrate"),
as YAML. Keys match docs/configuration.md exactly; secrets are never inlined: they are files
(*File keys) under georeg.secretDir. .Values.config is merged over the result.
*/}}
{{- define "georeg.config" -}}
{{- $root := .root -}}
{{- $v := $root.Values -}}
{{- $component := .component -}}
{{- $secrets := include "georeg.secretDir" $root -}}
{{- $db := dict "user" $v.database.user "maxPoolSize" $v.database.maxPoolSize "connectionTimeout" $v.database.connectionTimeout "migrateOnStart" false -}}
{{- if $v.database.url -}}
{{- $_ := set $db "url" $v.database.url -}}
{{- else -}}
{{- $_ := set $db "url" (printf "jdbc:postgresql://%s:%v/%s?sslmode=%s" $v.database.host $v.database.port $v.database.name $v.database.sslmode) -}}
{{- end -}}
{{- if or $v.database.password $v.database.existingSecret -}}
{{- $_ := set $db "passwordFile" (printf "%s/database-password" $secrets) -}}
{{- end -}}
{{- $config := dict "shutdownTimeout" $v.shutdownTimeout "shutdownDelay" $v.shutdownDelay "logFormat" $v.logFormat "database" $db "metrics" (dict "apdex" $v.metrics.apdex) -}}
{{- if ne $component "migrate" -}}
{{- $_ := set $config "components" (list $component) -}}
{{- end -}}
{{- if or (eq $component "registry-read") (eq $component "replicator") -}}
{{- $_ := set $config "storage" (include "georeg.storageConfig" $root | fromYaml) -}}
{{- end -}}
{{- if eq $component "registry-read" -}}
{{- $_ := set $config "registryRead" (dict "host" "0.0.0.0" "port" $v.registryRead.port "maxPageSize" $v.registryRead.maxPageSize "maxThreads" $v.registryRead.maxThreads "blobBufferBytes" $v.registryRead.blobBufferBytes "verifyServedBlobs" $v.registryRead.verifyServedBlobs) -}}
{{- $_ := set $config "replica" (dict "redirectBlobs" $v.registryRead.redirectBlobs "redirectTtl" $v.registryRead.redirectTtl) -}}
{{- if $v.tokenAuth.enabled -}}
{{- $_ := set $config "auth" (include "georeg.authConfig" (dict "root" $root "component" $component) | fromYaml) -}}
{{- end -}}
{{- end -}}
{{- if eq $component "router" -}}
{{- $r := $v.router -}}
{{- $router := dict "publicUrl" (include "georeg.publicUrl" $root) "bindHost" "0.0.0.0" "port" $r.port "primaryUrl" $v.primary.url "authPath" $v.primary.authPath "replicaUrl" (printf "http://%s-registry-read:%v" (include "georeg.fullname" $root) $v.registryRead.port) "timeouts" $r.timeouts "limits" $r.limits "circuit" $r.circuit "fenceTtl" $r.fenceTtl "fenceLease" $r.fenceLease "operator" (dict "bindHost" "0.0.0.0" "port" $r.operatorPort) -}}
{{- if $v.primary.authUrl -}}
{{- $_ := set $router "authUrl" $v.primary.authUrl -}}
{{- end -}}
{{- if $r.admin.enabled -}}
{{- $_ := set $router "admin" (dict "tokenFile" (printf "%s/admin-token" $secrets)) -}}
{{- end -}}
{{- if $v.tokenAuth.enabled -}}
{{- /* the router checks the primary's tokens before it learns outage grants from them */ -}}
{{- $_ := set $config "auth" (include "georeg.authConfig" (dict "root" $root "component" $component) | fromYaml) -}}
{{- end -}}
{{- $_ := set $config "router" $router -}}
{{- end -}}
{{- if eq $component "replicator" -}}
{{- $p := dict "url" $v.primary.url "kind" (default "distribution" $v.primary.kind) "connectTimeout" $v.primary.connectTimeout "requestTimeout" $v.primary.requestTimeout -}}
{{- if $v.primary.username -}}
{{- $_ := set $p "username" $v.primary.username -}}
{{- $_ := set $p "passwordFile" (printf "%s/primary-password" $secrets) -}}
{{- end -}}
{{- $intake := dict "path" $v.notifications.path "secretHeader" $v.notifications.header "secretFile" (printf "%s/notification-secret" $secrets) "maxBodyBytes" $v.notifications.maxBodyBytes -}}
{{- $sync := dict "namespaces" (default (list) $v.replicator.sync.namespaces) "include" (default (list) $v.replicator.sync.include) "reconcileInterval" (default "0s" $v.replicator.sync.reconcileInterval) -}}
{{- $_ := set $config "replicator" (dict "bindHost" "0.0.0.0" "port" $v.replicator.port "primary" $p "intake" $intake "workers" $v.replicator.workers "sync" $sync) -}}
{{- end -}}
{{- if or (eq $component "router") (eq $component "replicator") -}}
{{- /* how both reach the primary: its private CA, a forward proxy */ -}}
{{- $egress := dict -}}
{{- if or $v.primary.caBundle $v.primary.caBundleConfigMap -}}
{{- $_ := set $egress "caBundle" (printf "%s/primary-ca.pem" $secrets) -}}
{{- end -}}
{{- if $v.primary.proxy -}}
{{- $_ := set $egress "proxy" $v.primary.proxy -}}
{{- if $v.primary.noProxy -}}
{{- $_ := set $egress "noProxy" $v.primary.noProxy -}}
{{- end -}}
{{- if $v.primary.proxyUsername -}}
{{- $_ := set $egress "proxyUsername" $v.primary.proxyUsername -}}
{{- $_ := set $egress "proxyPasswordFile" (printf "%s/primary-proxy-password" $secrets) -}}
{{- end -}}
{{- end -}}
{{- if $egress -}}
{{- $_ := set $config "primary" $egress -}}
{{- end -}}
{{- end -}}
{{- if and $v.primaries (ne $component "migrate") -}}
{{- $_ := set $config "primaries" (include "georeg.primaries" (dict "root" $root "component" $component) | fromYamlArray) -}}
{{- if $v.defaultPrimary -}}
{{- $_ := set $config "defaultPrimary" $v.defaultPrimary -}}
{{- end -}}
{{- end -}}
{{- toYaml (mustMergeOverwrite $config (deepCopy $v.config)) -}}
{{- end -}}

{{/*
The primaries of a secondary over several (docs/cells.md), as one component needs them: every
component their names, namespaces and registries; registry-read and the router each one's token
settings with tokenAuth.enabled; the replicator each one's intake and account. Secrets are files.
*/}}
{{- define "georeg.primaries" -}}
{{- $root := .root -}}
{{- $v := $root.Values -}}
{{- $secrets := include "georeg.secretDir" $root -}}
{{- $list := list -}}
{{- range $p := $v.primaries -}}
{{- $e := dict "name" $p.name "namespaces" (default (list) $p.namespaces) "registryUrl" $p.url -}}
{{- if and $v.tokenAuth.enabled (or (eq $.component "router") (eq $.component "registry-read")) -}}
{{- $_ := set $e "authUrl" $p.authUrl -}}
{{- $_ := set $e "service" $p.tokenService -}}
{{- $_ := set $e "issuer" $p.tokenIssuer -}}
{{- $_ := set $e "rootCertBundle" (printf "%s/primary-%s-rootcertbundle.pem" $secrets $p.name) -}}
{{- else if and $p.authUrl (eq $.component "router") -}}
{{- $_ := set $e "authUrl" $p.authUrl -}}
{{- end -}}
{{- if eq $.component "replicator" -}}
{{- $_ := set $e "intakePath" $p.notificationPath -}}
{{- $_ := set $e "intakeSecretFile" (printf "%s/primary-%s-notification-secret" $secrets $p.name) -}}
{{- if $p.username -}}
{{- $_ := set $e "username" $p.username -}}
{{- $_ := set $e "passwordFile" (printf "%s/primary-%s-password" $secrets $p.name) -}}
{{- end -}}
{{- end -}}
{{- $list = append $list $e -}}
{{- end -}}
{{- toYaml $list -}}
{{- end -}}

{{/*
The auth section of registry-read and the router with tokenAuth.enabled: the primary's auth.token
settings, and auth.outage with tokenAuth.outage.enabled — the routers, which mint outage tokens,
the site's private signing key; registry-read, which only verifies them, its public key alone.
*/}}
{{- define "georeg.authConfig" -}}
{{- $v := .root.Values -}}
{{- $t := $v.tokenAuth -}}
{{- $secrets := include "georeg.secretDir" .root -}}
{{- $auth := dict "token" (dict "realm" $t.realm "service" $t.service "issuer" $t.issuer "rootCertBundle" (printf "%s/token-rootcertbundle.pem" $secrets) "clockSkew" $t.clockSkew) -}}
{{- if $t.outage.enabled -}}
{{- $o := dict "issuer" $t.outage.issuer "tokenLifetime" $t.outage.tokenLifetime "grantWindow" $t.outage.grantWindow "maxGrants" $t.outage.maxGrants -}}
{{- if eq .component "router" -}}
{{- $_ := set $o "signingKeyFile" (printf "%s/outage-signing-key" $secrets) -}}
{{- else -}}
{{- $_ := set $o "publicKeyFile" (printf "%s/outage-public-key" $secrets) -}}
{{- end -}}
{{- if $t.outage.previousPublicKey -}}
{{- $_ := set $o "previousPublicKeyFile" (printf "%s/outage-previous-public-key" $secrets) -}}
{{- end -}}
{{- $_ := set $auth "outage" $o -}}
{{- end -}}
{{- toYaml $auth -}}
{{- end -}}

{{/* The storage section for the selected backend. */}}
{{- define "georeg.storageConfig" -}}
{{- $v := .Values -}}
{{- $secrets := include "georeg.secretDir" . -}}
{{- if eq $v.storage.backend "filesystem" }}
filesystem:
  root: {{ $v.storage.filesystem.root | quote }}
{{- else if eq $v.storage.backend "s3" }}
{{- $s3 := $v.storage.s3 }}
s3:
  bucket: {{ required "storage.s3.bucket is required when storage.backend is s3" $s3.bucket | quote }}
  region: {{ $s3.region | quote }}
  pathStyle: {{ $s3.pathStyle }}
  partSizeBytes: {{ $s3.partSizeBytes | int64 }}
  {{- with $s3.prefix }}
  prefix: {{ . | quote }}
  {{- end }}
  {{- with $s3.endpoint }}
  endpoint: {{ . | quote }}
  {{- end }}
  {{- if or $s3.accessKeyId $s3.existingSecret }}
  accessKeyIdFile: {{ printf "%s/s3-access-key-id" $secrets | quote }}
  secretAccessKeyFile: {{ printf "%s/s3-secret-access-key" $secrets | quote }}
  {{- end }}
{{- else if eq $v.storage.backend "gcs" }}
{{- $gcs := $v.storage.gcs }}
gcs:
  bucket: {{ required "storage.gcs.bucket is required when storage.backend is gcs" $gcs.bucket | quote }}
  uploadChunkSizeBytes: {{ $gcs.uploadChunkSizeBytes | int64 }}
  {{- with $gcs.prefix }}
  prefix: {{ . | quote }}
  {{- end }}
  {{- with $gcs.projectId }}
  projectId: {{ . | quote }}
  {{- end }}
  {{- with $gcs.endpoint }}
  endpoint: {{ . | quote }}
  {{- end }}
  {{- if or $gcs.credentialsJson $gcs.existingSecret }}
  credentialsFile: {{ printf "%s/gcs-credentials.json" $secrets | quote }}
  {{- end }}
{{- end }}
{{- end -}}

{{/*
The projected volume of the secret files a component reads: each source is the chart's Secret
or the user's existingSecret, each key mapped to the fixed file name the config names.
*/}}
{{- define "georeg.secretSources" -}}
{{- $root := .root -}}
{{- $v := $root.Values -}}
{{- $c := .component -}}
{{- $chart := include "georeg.secretName" $root -}}
{{- if or $v.database.password $v.database.existingSecret }}
- secret:
    name: {{ default $chart $v.database.existingSecret }}
    items: [{key: {{ ternary $v.database.existingSecretKey "database-password" (ne $v.database.existingSecret "") }}, path: database-password}]
{{- end }}
{{- if and (eq $c "replicator") $v.primary.username }}
- secret:
    name: {{ default $chart $v.primary.existingSecret }}
    items: [{key: {{ ternary $v.primary.existingSecretKey "primary-password" (ne $v.primary.existingSecret "") }}, path: primary-password}]
{{- end }}
{{- if and (eq $c "router") $v.router.admin.enabled }}
- secret:
    name: {{ include "georeg.adminSecretName" $root }}
    {{- $key := "token" }}
    {{- if $v.router.admin.existingSecret }}{{ $key = $v.router.admin.existingSecretKey }}{{ else if $v.router.admin.token }}{{ $key = "admin-token" }}{{ end }}
    items: [{key: {{ $key }}, path: admin-token}]
{{- end }}
{{- if and (or (eq $c "router") (eq $c "replicator")) $v.primary.proxy $v.primary.proxyUsername }}
- secret:
    name: {{ default $chart $v.primary.proxyExistingSecret }}
    items: [{key: {{ ternary $v.primary.proxyExistingSecretKey "primary-proxy-password" (ne $v.primary.proxyExistingSecret "") }}, path: primary-proxy-password}]
{{- end }}
{{- if and (or (eq $c "router") (eq $c "replicator")) (or $v.primary.caBundle $v.primary.caBundleConfigMap) }}
- configMap:
    name: {{ default (printf "%s-config" (include "georeg.fullname" $root)) $v.primary.caBundleConfigMap }}
    items: [{key: {{ ternary $v.primary.caBundleConfigMapKey "primary-ca.pem" (ne $v.primary.caBundleConfigMap "") }}, path: primary-ca.pem}]
{{- end }}
{{- if eq $c "replicator" }}
- secret:
    name: {{ include "georeg.notificationSecretName" $root }}
    items: [{key: {{ ternary $v.notifications.existingSecretKey "notification-secret" (ne $v.notifications.existingSecret "") }}, path: notification-secret}]
{{- end }}
{{- if and (or (eq $c "registry-read") (eq $c "router")) $v.tokenAuth.enabled }}
- secret:
    name: {{ default $chart $v.tokenAuth.existingSecret }}
    items: [{key: {{ ternary $v.tokenAuth.existingSecretKey "token-rootcertbundle.pem" (ne $v.tokenAuth.existingSecret "") }}, path: token-rootcertbundle.pem}]
{{- if $v.tokenAuth.outage.enabled }}
{{- $o := $v.tokenAuth.outage }}
{{- if eq $c "router" }}
- secret:
    name: {{ default $chart $o.existingSecret }}
    items: [{key: {{ ternary $o.existingSecretKey "outage-signing-key" (ne $o.existingSecret "") }}, path: outage-signing-key}]
{{- else }}
{{- /* registry-read verifies outage tokens: the public key only, never the signing key */}}
{{- $fromExisting := and (ne $o.existingSecret "") (not $o.publicKey) }}
- secret:
    name: {{ ternary $o.existingSecret $chart $fromExisting }}
    items: [{key: {{ ternary $o.existingSecretPublicKeyKey "outage-public-key" $fromExisting }}, path: outage-public-key}]
{{- end }}
{{- if $o.previousPublicKey }}
- secret:
    name: {{ $chart }}
    items: [{key: outage-previous-public-key, path: outage-previous-public-key}]
{{- end }}
{{- end }}
{{- end }}
{{- range $p := $v.primaries }}
{{- $items := list }}
{{- if and $v.tokenAuth.enabled (or (eq $c "registry-read") (eq $c "router")) }}
{{- $items = append $items (printf "primary-%s-rootcertbundle.pem" $p.name) }}
{{- end }}
{{- if eq $c "replicator" }}
{{- $items = append $items (printf "primary-%s-notification-secret" $p.name) }}
{{- if $p.username }}
{{- $items = append $items (printf "primary-%s-password" $p.name) }}
{{- end }}
{{- end }}
{{- if $items }}
- secret:
    name: {{ $chart }}
    items:
      {{- range $items }}
      - {key: {{ . }}, path: {{ . }}}
      {{- end }}
{{- end }}
{{- end }}
{{- if or (eq $c "registry-read") (eq $c "replicator") }}
{{- if and (eq $v.storage.backend "s3") (or $v.storage.s3.accessKeyId $v.storage.s3.existingSecret) }}
- secret:
    name: {{ default $chart $v.storage.s3.existingSecret }}
    items:
      - {key: {{ ternary $v.storage.s3.accessKeyIdKey "s3-access-key-id" (ne $v.storage.s3.existingSecret "") }}, path: s3-access-key-id}
      - {key: {{ ternary $v.storage.s3.secretAccessKeyKey "s3-secret-access-key" (ne $v.storage.s3.existingSecret "") }}, path: s3-secret-access-key}
{{- end }}
{{- if and (eq $v.storage.backend "gcs") (or $v.storage.gcs.credentialsJson $v.storage.gcs.existingSecret) }}
- secret:
    name: {{ default $chart $v.storage.gcs.existingSecret }}
    items: [{key: {{ ternary $v.storage.gcs.existingSecretKey "gcs-credentials.json" (ne $v.storage.gcs.existingSecret "") }}, path: gcs-credentials.json}]
{{- end }}
{{- end }}
{{- end -}}

{{/* Refuses value combinations that would deploy something broken. */}}
{{- define "georeg.validate" -}}
{{- $v := .Values -}}
{{- if not $v.primary.url }}{{ fail "primary.url is required: set it to the primary site's registry URL, e.g. https://registry.gitlab.example.com" }}{{ end -}}
{{- if and (not $v.database.url) (not $v.database.host) }}{{ fail "database.host (or database.url) is required: georeg needs a PostgreSQL database" }}{{ end -}}
{{- if and (or $v.primary.noProxy $v.primary.proxyUsername) (not $v.primary.proxy) }}{{ fail "primary.noProxy and primary.proxyUsername only apply with a proxy: set primary.proxy (http://host:port) or remove them" }}{{ end -}}
{{- if and $v.primary.proxyUsername (not (or $v.primary.proxyPassword $v.primary.proxyExistingSecret)) }}{{ fail "primary.proxyUsername is set: also set primary.proxyPassword or primary.proxyExistingSecret (a Secret holding it under primary.proxyExistingSecretKey)" }}{{ end -}}
{{- if and $v.primary.username (not (or $v.primary.password $v.primary.existingSecret)) }}{{ fail "primary.username is set: also set primary.password or primary.existingSecret" }}{{ end -}}
{{- if and $v.tokenAuth.enabled (not (or $v.tokenAuth.rootCertBundle $v.tokenAuth.existingSecret)) }}{{ fail "tokenAuth.enabled: set tokenAuth.rootCertBundle (PEM) or tokenAuth.existingSecret" }}{{ end -}}
{{- if and $v.tokenAuth.enabled (not $v.tokenAuth.realm) }}{{ fail "tokenAuth.enabled: set tokenAuth.realm, the primary's token endpoint URL" }}{{ end -}}
{{- if and $v.tokenAuth.outage.enabled (not $v.tokenAuth.enabled) }}{{ fail "tokenAuth.outage.enabled: outage tokens stand in for the primary's tokens; set tokenAuth.enabled (and its realm, issuer and rootCertBundle) too" }}{{ end -}}
{{- if and $v.tokenAuth.outage.enabled (not $v.tokenAuth.outage.issuer) }}{{ fail "tokenAuth.outage.enabled: set tokenAuth.outage.issuer, a name for this site's outage tokens, e.g. georeg-site-b" }}{{ end -}}
{{- if and $v.tokenAuth.outage.enabled (not (or $v.tokenAuth.outage.signingKey $v.tokenAuth.outage.existingSecret)) }}{{ fail "tokenAuth.outage.enabled: set tokenAuth.outage.signingKey (PEM, e.g. from `openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256`) or tokenAuth.outage.existingSecret" }}{{ end -}}
{{- if and $v.tokenAuth.outage.enabled (not (or $v.tokenAuth.outage.publicKey $v.tokenAuth.outage.existingSecret)) }}{{ fail "tokenAuth.outage.enabled: set tokenAuth.outage.publicKey, the signing key's public half (`openssl pkey -in site-key.pem -pubout`): registry-read verifies outage tokens with it and is never given the private key (or keep it in tokenAuth.outage.existingSecret under existingSecretPublicKeyKey)" }}{{ end -}}
{{- if and $v.storage.s3.accessKeyId (not $v.storage.s3.secretAccessKey) }}{{ fail "storage.s3.accessKeyId is set: also set storage.s3.secretAccessKey" }}{{ end -}}
{{- if and (eq $v.storage.backend "filesystem") (not $v.storage.filesystem.persistence.existingClaim) (not (has "ReadWriteMany" $v.storage.filesystem.persistence.accessModes)) (or (gt (int $v.registryRead.replicas) 1) (gt (int $v.replicator.replicas) 1) $v.registryRead.autoscaling.enabled) }}
{{- fail "storage.backend filesystem with more than one registry-read or replicator pod needs storage.filesystem.persistence.accessModes [ReadWriteMany] (or an existingClaim that is), or use s3/gcs" }}
{{- end -}}
{{- $p := $v.storage.filesystem.persistence -}}
{{- if and (eq $v.storage.backend "filesystem") (has "ReadWriteOncePod" $p.accessModes) }}
{{- fail "storage.filesystem.persistence.accessModes: registry-read and the replicator both mount the volume, which ReadWriteOncePod allows one pod only: use [ReadWriteOnce] (the pods are then scheduled onto one node), [ReadWriteMany], or storage.backend s3/gcs" }}
{{- end -}}
{{- if and (eq $v.storage.backend "filesystem") (not $p.colocatePods) (not (has "ReadWriteMany" $p.accessModes)) }}
{{- fail "storage.filesystem.persistence: registry-read and the replicator both mount this ReadWriteOnce volume, and with colocatePods false they may be scheduled onto different nodes, where the second pod hangs in a Multi-Attach error. Keep colocatePods true (both run on the volume's node), use accessModes [ReadWriteMany] (with an existingClaim: list the claim's modes), or storage.backend s3/gcs" }}
{{- end -}}
{{- if and $v.networkPolicy.enabled $v.metrics.serviceMonitor.enabled (not $v.networkPolicy.metricsFrom) }}{{ fail "networkPolicy.enabled with metrics.serviceMonitor.enabled: set networkPolicy.metricsFrom to Prometheus's pods (e.g. [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: monitoring}}}]), or registry-read cannot be scraped" }}{{ end -}}
{{- if and $v.httpRoute.enabled (not $v.httpRoute.parentRefs) }}{{ fail "httpRoute.enabled: set httpRoute.parentRefs, the Gateway listener(s) the route attaches to, e.g. [{name: public, namespace: gateway-system}]" }}{{ end -}}
{{- if and $v.httpRoute.enabled (not (or $v.httpRoute.hostnames $v.ingress.host)) }}{{ fail "httpRoute.enabled: set httpRoute.hostnames (or ingress.host), the registry's host name" }}{{ end -}}
{{- if and $v.replicator.ingress.enabled (not $v.replicator.ingress.host) }}{{ fail "replicator.ingress.enabled: set replicator.ingress.host" }}{{ end -}}
{{- end -}}

{{/* An alert's runbook: its entry in docs/troubleshooting.md (the heading is the alert's name). */}}
{{- define "georeg.runbookUrl" -}}
{{- printf "%s/troubleshooting.md#%s" .root.Values.metrics.prometheusRule.runbookBaseUrl (lower .alert) -}}
{{- end -}}

{{/* Annotations of the migration hook's objects; .weight orders them (config before Job). */}}
{{- define "georeg.migrateAnnotations" -}}
{{- $m := .root.Values.migrations -}}
{{- $a := deepCopy $m.annotations -}}
{{- if $m.hook -}}
{{- $_ := set $a "helm.sh/hook" "pre-install,pre-upgrade" -}}
{{- $_ := set $a "helm.sh/hook-weight" .weight -}}
{{- $_ := set $a "helm.sh/hook-delete-policy" "before-hook-creation" -}}
{{- end -}}
{{- if $a -}}
{{- toYaml $a -}}
{{- else -}}
{}
{{- end -}}
{{- end -}}
