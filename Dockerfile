# otlpd container: built on Debian bookworm, run on bookworm-slim with only the runtime libraries (gRPC,
# protobuf, OpenSSL and the rest are linked in statically: cmake/Deps.cmake).
#   docker build -t otlpd .
#   docker run -p 4317:4317 -p 4318:4318 otlpd                      # config/docker.yaml: OTLP in, debug out
#   docker run -v $PWD/my.yaml:/etc/otlpd/config.yaml otlpd         # your own config
FROM debian:bookworm AS build
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      build-essential cmake ninja-build pkg-config \
      protobuf-compiler protobuf-compiler-grpc libprotobuf-dev libgrpc++-dev \
      libc-ares-dev libyaml-cpp-dev libspdlog-dev libfmt-dev libboost-dev libboost-system-dev libssl-dev \
      zlib1g-dev libzstd-dev libsimdjson-dev libre2-dev libcurl4-openssl-dev libsnappy-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY CMakeLists.txt ./
COPY cmake cmake
COPY proto proto
COPY src src
RUN cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DOTLPD_TESTS=OFF -DOTLPD_BENCH=OFF \
 && cmake --build build --target otlpd \
 && strip build/src/otlpd

FROM debian:bookworm-slim
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      libspdlog1.10 libfmt9 libsimdjson14 libcurl4 ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --no-create-home --uid 10001 otlpd
COPY --from=build /src/build/src/otlpd /usr/local/bin/otlpd
COPY config/docker.yaml /etc/otlpd/config.yaml
USER 10001
# OTLP gRPC, OTLP HTTP, health check, self-telemetry (Prometheus).
EXPOSE 4317 4318 13133 8888
# No shell needed (bookworm-slim's /bin/sh is dash, without /dev/tcp): otlpd asks its own health_check endpoint.
HEALTHCHECK --interval=10s --timeout=5s --start-period=5s CMD ["/usr/local/bin/otlpd", "healthcheck", "--endpoint", "127.0.0.1:13133"]
ENTRYPOINT ["/usr/local/bin/otlpd"]
CMD ["--config", "/etc/otlpd/config.yaml"]
