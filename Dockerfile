# One image for weft's control plane (weft control), the sidecar (weft proxy,
# the injected istio-proxy container) and the capture init container
# (weft iptables). Build: docker build -t weft:0.1.0 .
# `weft install` and `weft kube-inject` use weft:<version> unless told
# otherwise (--set global.hub=REGISTRY, --image).
# Not built by the test suite: the machines it runs on have no Docker.

FROM node:20-bookworm-slim AS build
WORKDIR /src
# g++ and make: a native addon the proxy may build at install time (SO_ORIGINAL_DST);
# python3 is node-gyp's. Nothing is downloaded by the build itself.
RUN apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends g++ make python3 >/dev/null \
 && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
# native/ holds the traffic capture's SO_ORIGINAL_DST addon, which `npm run build`
# compiles when it is there; the folder is created so the copy below always works.
RUN mkdir -p native && npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
# iptables: `weft iptables` in the istio-init container writes the capture rules.
RUN apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends iptables ca-certificates >/dev/null \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --gid 1337 istio-proxy && useradd --uid 1337 --gid 1337 --no-create-home --shell /usr/sbin/nologin istio-proxy
WORKDIR /opt/weft
COPY --from=build /src/package.json ./
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/bin ./bin
COPY --from=build /src/dist/src ./dist/src
COPY --from=build /src/gen ./gen
COPY --from=build /src/native ./native
RUN ln -s /opt/weft/bin/weft.js /usr/local/bin/weft
# The sidecar runs as istio-proxy (UID 1337, excluded from capture); the
# init container overrides this with runAsUser: 0 and NET_ADMIN.
USER 1337:1337
ENTRYPOINT ["weft"]
CMD ["--help"]
