# PolicyGate gateway image: a static binary on an empty base, run as UID 1001.
#   docker build -t policygate .
#   docker run -p 8080:8080 -p 8081:8081 -v "$PWD/artifacts:/config:ro" policygate
# Without a mounted configuration it serves the embedded demo (/echo/).
# The binary is static, built without cgo: xsl-transform (libxslt) is
# reported as unsupported in this image.

FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG COMMIT=""
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.buildCommit=${COMMIT}" -o /out/policygate ./cmd/policygate \
 && mkdir -p /out/config /out/tmp

FROM scratch
COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY --from=build /out/policygate /policygate
COPY --from=build --chown=1001:1001 /out/tmp /tmp
USER 1001:1001
# Settings by their dotted names (see `policygate run -h`).
ENV telemetry.logs.std=json \
    net.server.http.listen=:8080 \
    net.server.https.listen=:8081 \
    admin.listen=127.0.0.1:8082
EXPOSE 8080 8081
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
  CMD ["/policygate", "health", "--url", "http://127.0.0.1:8080/status-0123456789abcdef"]
ENTRYPOINT ["/policygate", "run"]
