# Yingji in a container: one static binary, the data directory on a volume.
#   docker build -t yingji .
#   docker run -p 8080:8080 -v yingji-data:/data -e YINGJI_ADMIN_PASSWORD=… yingji
# Behind a TLS proxy set YINGJI_SECURE_COOKIES=1 and YINGJI_TRUSTED_PROXIES to the proxy's address.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o /out/yingji ./cmd/yingji

FROM debian:bookworm-slim
# postgresql-client: `yingji backup` on PostgreSQL runs pg_dump; tzdata: times shown in Asia/Shanghai.
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates tzdata postgresql-client \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --home /data --shell /usr/sbin/nologin yingji \
    && mkdir -p /data && chown yingji /data
COPY --from=build /out/yingji /usr/local/bin/yingji
USER yingji
ENV YINGJI_DATA=/data YINGJI_ADDR=0.0.0.0:8080
VOLUME /data
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/yingji"]
CMD ["serve"]
