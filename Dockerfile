# syntax=docker/dockerfile:1
# One image for the four roles. Build: docker build -t voice-invoice .
# Run a role: docker run -e ROLE=gateway … voice-invoice   (or: docker run … voice-invoice serve gateway)

# ── build: the toolchain this project is developed and tested with ─────────────────────────────────────────────
FROM swift:6.3.1-bookworm AS build
# The -dev packages of the C libraries behind the system library targets (found through pkg-config).
# Versions are not pinned: Debian's stable archive only moves for security fixes, which the image should take.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends pkg-config libssl-dev libcurl4-openssl-dev libmongoc-dev libbson-dev \
       libcairo2-dev libpango1.0-dev libsqlite3-dev zlib1g-dev \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# Dependencies first, so source edits do not refetch them.
COPY Package.swift ./
RUN swift package resolve
COPY Sources ./Sources
COPY Tests ./Tests
# The Swift runtime and Foundation are linked statically: the runtime image needs only the C libraries below.
# Stripped: symbols are 45 % of the binary (crash backtraces then show addresses; symbolicate with an unstripped build).
# Cross-module optimisation specialises the generic code of swift-openapi-runtime and Hummingbird into the roles'
# handlers: about a fifth less CPU per request (Benchmarks/generated-handlers.sh).
RUN swift build -c release --static-swift-stdlib -Xswiftc -cross-module-optimization --product voice-invoice \
    && install -D --strip "$(swift build -c release -Xswiftc -cross-module-optimization --show-bin-path)/voice-invoice" /out/voice-invoice

# ── run: slim Debian with exactly the shared libraries the binary links, fonts, CA certificates, time zones ─────
FROM debian:bookworm-slim
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends libssl3 libcurl4 libmongoc-1.0-0 libbson-1.0-0 libcairo2 libpango-1.0-0 \
       libpangocairo-1.0-0 libpangoft2-1.0-0 libsqlite3-0 zlib1g ca-certificates tzdata fonts-noto-core fonts-noto-cjk fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 voiceinvoice \
    && useradd --system --no-log-init --uid 10001 --gid 10001 --create-home --home-dir /app voiceinvoice
COPY --from=build /out/voice-invoice /usr/local/bin/voice-invoice
USER 10001:10001
WORKDIR /app
# Render sets PORT itself; Fly takes it from [env]. DATA_DIR only matters without MONGODB_URI (local trials).
ENV PORT=8080 DATA_DIR=/app/data
EXPOSE 8080
ENTRYPOINT ["voice-invoice"]
# The role: ROLE, or a command such as `serve gateway` in place of this one.
CMD ["serve"]
