# Align Bot: one image for `start`, `web` and `worker` (pick with the command: `docker run … align-bot worker`).
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npx tsc -p tsconfig.build.json && npm prune --omit=dev

FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
# The image's `node` user, by number, so that Kubernetes' runAsNonRoot can verify it. Nothing is written to the
# image at run time: it runs with a read-only root file system.
USER 1000:1000
# 3000: the public listener (PORT). 9464, the internal listener (ALIGN_BOT_METRICS_PORT), is deliberately not
# exposed: publish it only inside a private network.
EXPOSE 3000
# Healthy when the public listener (start, web) or, for a worker with ALIGN_BOT_METRICS_PORT set, the internal
# listener answers /healthz. A worker without ALIGN_BOT_METRICS_PORT has no listener to ask.
HEALTHCHECK --interval=30s --timeout=3s --start-period=20s CMD ["node", "-e", "const e=process.env,u=['http://127.0.0.1:'+(e.PORT||3000)+'/healthz'];if(e.ALIGN_BOT_METRICS_PORT)u.push('http://127.0.0.1:'+e.ALIGN_BOT_METRICS_PORT+'/healthz');Promise.any(u.map(x=>fetch(x).then(r=>{if(!r.ok)throw r.status}))).then(()=>process.exit(0),()=>process.exit(1))"]
ENTRYPOINT ["node", "dist/main.js"]
CMD ["start"]
