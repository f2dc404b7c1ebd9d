{{/*
A component's Deployment. .component is the georeg component name, .values its values section.
Every component is stateless (state is in PostgreSQL and storage), so each scales on its own.
*/}}
{{- define "georeg.deployment" -}}
{{- $root := .root -}}
{{- $c := .component -}}
{{- $cv := .values -}}
{{- $v := $root.Values -}}
{{- $needsStorage := or (eq $c "registry-read") (eq $c "replicator") -}}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "georeg.fullname" $root }}-{{ $c }}
  labels:
    {{- include "georeg.labels" $root | nindent 4 }}
    app.kubernetes.io/component: {{ $c }}
spec:
  {{- if not (and $cv.autoscaling $cv.autoscaling.enabled) }}
  replicas: {{ $cv.replicas }}
  {{- end }}
  revisionHistoryLimit: 5
  selector:
    matchLabels:
      {{- include "georeg.selectorLabels" $root | nindent 6 }}
      app.kubernetes.io/component: {{ $c }}
  strategy:
    type: RollingUpdate
    rollingUpdate: {maxSurge: 1, maxUnavailable: 0}
  template:
    metadata:
      labels:
        {{- with $v.podLabels }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
        {{- include "georeg.selectorLabels" $root | nindent 8 }}
        app.kubernetes.io/component: {{ $c }}
        {{- if include "georeg.colocated" (dict "root" $root "component" $c) }}
        {{ include "georeg.colocationLabel" $root }}
        {{- end }}
      annotations:
        # Roll the pods when their configuration or secrets change.
        checksum/config: {{ include (print $root.Template.BasePath "/configmap.yaml") $root | sha256sum }}
        checksum/secret: {{ include (print $root.Template.BasePath "/secret.yaml") $root | sha256sum }}
        {{- with merge (deepCopy (default dict $cv.podAnnotations)) (default dict $v.podAnnotations) }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
    spec:
      serviceAccountName: {{ include "georeg.serviceAccountName" $root }}
      automountServiceAccountToken: {{ $v.serviceAccount.automountServiceAccountToken }}
      {{- with $v.imagePullSecrets }}
      imagePullSecrets:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      securityContext:
        {{- toYaml $v.podSecurityContext | nindent 8 }}
      terminationGracePeriodSeconds: {{ $v.terminationGracePeriodSeconds }}
      containers:
        - name: {{ $c }}
          image: {{ include "georeg.image" $root | quote }}
          imagePullPolicy: {{ $v.image.pullPolicy }}
          args: [serve, --config, /etc/georeg/{{ $c }}.yaml]
          env:
            - name: JAVA_TOOL_OPTIONS
              value: {{ $cv.javaOpts | quote }}
            {{- with $v.extraEnv }}
            {{- toYaml . | nindent 12 }}
            {{- end }}
            {{- with $cv.extraEnv }}
            {{- toYaml . | nindent 12 }}
            {{- end }}
          ports:
            - name: http
              containerPort: {{ $cv.port }}
              protocol: TCP
            {{- if eq $c "router" }}
            # Admin API, /metrics, status page: served on this port only, never on the public one.
            - name: operator
              containerPort: {{ $cv.operatorPort }}
              protocol: TCP
            {{- end }}
          startupProbe:
            httpGet: {path: /-/health, port: http}
            periodSeconds: 2
            failureThreshold: 60
          livenessProbe:
            httpGet: {path: /-/health, port: http}
            periodSeconds: 10
            timeoutSeconds: 3
            failureThreshold: 3
          readinessProbe:
            httpGet: {path: /-/ready, port: http}
            periodSeconds: 5
            timeoutSeconds: 3
            failureThreshold: 3
          resources:
            {{- toYaml $cv.resources | nindent 12 }}
          securityContext:
            {{- toYaml $v.securityContext | nindent 12 }}
          volumeMounts:
            - {name: config, mountPath: /etc/georeg/{{ $c }}.yaml, subPath: {{ $c }}.yaml, readOnly: true}
            - {name: secrets, mountPath: {{ include "georeg.secretDir" $root }}, readOnly: true}
            - {name: tmp, mountPath: /tmp}
            {{- if and $needsStorage (eq $v.storage.backend "filesystem") }}
            - {name: data, mountPath: {{ $v.storage.filesystem.root }}}
            {{- end }}
            {{- with $v.extraVolumeMounts }}
            {{- toYaml . | nindent 12 }}
            {{- end }}
      volumes:
        - name: config
          configMap:
            name: {{ include "georeg.fullname" $root }}-config
        - name: secrets
          projected:
            defaultMode: 0440
            sources:
              {{- $sources := include "georeg.secretSources" (dict "root" $root "component" $c) }}
              {{- if $sources }}
              {{- $sources | nindent 14 }}
              {{- else }} []
              {{- end }}
        - name: tmp
          emptyDir: {}
        {{- if and $needsStorage (eq $v.storage.backend "filesystem") }}
        - name: data
          persistentVolumeClaim:
            claimName: {{ include "georeg.pvcName" $root }}
        {{- end }}
        {{- with $v.extraVolumes }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
      {{- with $cv.nodeSelector }}
      nodeSelector:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $cv.tolerations }}
      tolerations:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with include "georeg.affinity" (dict "root" $root "component" $c "values" $cv) }}
      affinity:
        {{- . | nindent 8 }}
      {{- end }}
      {{- with $cv.topologySpreadConstraints }}
      topologySpreadConstraints:
        {{- toYaml . | nindent 8 }}
      {{- end }}
{{- end -}}

{{/* A component's Service: port "http" carries its API, /-/health, /-/ready and /metrics. */}}
{{- define "georeg.service" -}}
{{- $root := .root -}}
apiVersion: v1
kind: Service
metadata:
  name: {{ include "georeg.fullname" $root }}-{{ .component }}
  labels:
    {{- include "georeg.labels" $root | nindent 4 }}
    app.kubernetes.io/component: {{ .component }}
    {{- if eq .component "router" }}
    # The public Service (the Ingress's backend) has no /metrics: the ServiceMonitor skips it.
    georeg.io/metrics: "false"
    {{- end }}
  {{- with $root.Values.service.annotations }}
  annotations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
spec:
  type: {{ $root.Values.service.type }}
  selector:
    {{- include "georeg.selectorLabels" $root | nindent 4 }}
    app.kubernetes.io/component: {{ .component }}
  ports:
    - name: http
      port: {{ .values.port }}
      targetPort: http
      protocol: TCP
{{- end -}}

{{/*
The router's operator Service: its admin API, /metrics and status page, for Prometheus and
operators inside the cluster. No Ingress routes to it. Its port is named http so that the
ServiceMonitor scrapes it like every other component.
*/}}
{{- define "georeg.operatorService" -}}
{{- $root := .root -}}
apiVersion: v1
kind: Service
metadata:
  name: {{ include "georeg.fullname" $root }}-{{ .component }}-operator
  labels:
    {{- include "georeg.labels" $root | nindent 4 }}
    app.kubernetes.io/component: {{ .component }}
spec:
  type: ClusterIP
  selector:
    {{- include "georeg.selectorLabels" $root | nindent 4 }}
    app.kubernetes.io/component: {{ .component }}
  ports:
    - name: http
      port: {{ .values.operatorPort }}
      targetPort: operator
      protocol: TCP
{{- end -}}

{{- define "georeg.pdb" -}}
{{- $root := .root -}}
{{- if .values.podDisruptionBudget.enabled }}
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: {{ include "georeg.fullname" $root }}-{{ .component }}
  labels:
    {{- include "georeg.labels" $root | nindent 4 }}
    app.kubernetes.io/component: {{ .component }}
spec:
  {{- if hasKey .values.podDisruptionBudget "minAvailable" }}
  minAvailable: {{ .values.podDisruptionBudget.minAvailable }}
  {{- else }}
  maxUnavailable: {{ .values.podDisruptionBudget.maxUnavailable }}
  {{- end }}
  selector:
    matchLabels:
      {{- include "georeg.selectorLabels" $root | nindent 6 }}
      app.kubernetes.io/component: {{ .component }}
{{- end }}
{{- end -}}

{{- define "georeg.hpa" -}}
{{- $root := .root -}}
{{- $a := .values.autoscaling -}}
{{- if $a.enabled }}
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: {{ include "georeg.fullname" $root }}-{{ .component }}
  labels:
    {{- include "georeg.labels" $root | nindent 4 }}
    app.kubernetes.io/component: {{ .component }}
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: {{ include "georeg.fullname" $root }}-{{ .component }}
  minReplicas: {{ $a.minReplicas }}
  maxReplicas: {{ $a.maxReplicas }}
  metrics:
    - type: Resource
      resource:
        name: cpu
        target:
          type: Utilization
          averageUtilization: {{ $a.targetCPUUtilizationPercentage }}
{{- end }}
{{- end -}}
