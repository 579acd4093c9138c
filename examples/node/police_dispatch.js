#!/usr/bin/env node
// A police unit's dispatch system in JavaScript (Node.js, @grpc/grpc-js): follows the
// stream of assistance requests from a saved cursor and acknowledges each new one as
// RECEIVED, over mutual TLS with the organisation's certificate. The cursor of the last
// event handled is written to a file after the event, so a restart resumes after it and
// nothing is handled twice. The contract is read from the repository's proto files at
// start (@grpc/proto-loader), no generated code.
//
//   node police_dispatch.js [--target 127.0.0.1:50051] [--certs ../../certs] [--org kmp-torun]
//                           [--cursor-file dispatch.cursor] [--once N] [--tls-name localhost]
//
// Prints one line per event: `<cursor> <kind> <request id>`, then `  -> <state>` after an
// acknowledgement. Ids and states only: never names or addresses from the request.
"use strict";

const fs = require("fs");
const path = require("path");
const grpc = require("@grpc/grpc-js");
const protoLoader = require("@grpc/proto-loader");

const PROTO_ROOT = path.resolve(__dirname, "../../proto");

function parseArgs(argv) {
  const args = {
    target: "127.0.0.1:50051",
    certs: path.resolve(__dirname, "../../certs"),
    org: "kmp-torun",
    cursorFile: "dispatch.cursor",
    once: 0,
    tlsName: "localhost",
  };
  const flags = {
    "--target": "target",
    "--certs": "certs",
    "--org": "org",
    "--cursor-file": "cursorFile",
    "--once": "once",
    "--tls-name": "tlsName",
  };
  for (let i = 2; i < argv.length; i += 2) {
    const key = flags[argv[i]];
    if (!key || i + 1 >= argv.length) {
      throw new Error(`unknown or incomplete argument ${argv[i]} (see the header of ${path.basename(__filename)})`);
    }
    args[key] = key === "once" ? Number.parseInt(argv[i + 1], 10) : argv[i + 1];
  }
  return args;
}

function assistanceService() {
  const definition = protoLoader.loadSync("lacznik/v1/assistance.proto", {
    includeDirs: [PROTO_ROOT],
    keepCase: true, // field names as in the proto: request_id, after_cursor
    enums: String, // enum values by name: ASSISTANCE_EVENT_KIND_NEW
    longs: String,
    defaults: true,
  });
  return grpc.loadPackageDefinition(definition).lacznik.v1.AssistanceService;
}

function credentials(args) {
  const read = (name) => fs.readFileSync(path.join(args.certs, name));
  return grpc.credentials.createSsl(read("ca.pem"), read(`${args.org}.key`), read(`${args.org}.pem`));
}

function acknowledge(client, requestId) {
  return new Promise((resolve, reject) => {
    client.AcknowledgeAssistanceRequest(
      { request_id: requestId, acknowledgement: "ASSISTANCE_REQUEST_STATE_RECEIVED" },
      { deadline: Date.now() + 30000 },
      (err, response) => (err ? reject(err) : resolve(response.request)),
    );
  });
}

async function main() {
  const args = parseArgs(process.argv);
  const cursor = fs.existsSync(args.cursorFile) ? fs.readFileSync(args.cursorFile, "utf8").trim() : "";
  const AssistanceService = assistanceService();
  const client = new AssistanceService(args.target, credentials(args), {
    // The server certificate names localhost in the development PKI; a deployment names
    // the host clients connect to.
    "grpc.ssl_target_name_override": args.tlsName,
    "grpc.default_authority": args.tlsName,
  });
  const call = client.StreamAssistanceRequests({ after_cursor: cursor });
  let seen = 0;
  let done = false;
  // Events are handled one at a time, in order: the stream is paused while one is
  // acknowledged, and its cursor is saved only after it has been handled.
  const handle = async (event) => {
    const req = event.request;
    console.log(`${event.cursor} ${event.kind} ${req.request_id}`);
    if (
      (event.kind === "ASSISTANCE_EVENT_KIND_NEW" || event.kind === "ASSISTANCE_EVENT_KIND_AMENDED") &&
      req.state === "ASSISTANCE_REQUEST_STATE_SUBMITTED"
    ) {
      const acked = await acknowledge(client, req.request_id);
      console.log(`  -> ${acked.state}`);
    }
    fs.writeFileSync(args.cursorFile, event.cursor);
    seen += 1;
  };
  await new Promise((resolve, reject) => {
    let chain = Promise.resolve();
    call.on("data", (event) => {
      call.pause();
      chain = chain
        .then(() => handle(event))
        .then(() => {
          if (args.once && seen >= args.once) {
            done = true;
            call.cancel();
            resolve();
          } else {
            call.resume();
          }
        })
        .catch((err) => {
          done = true;
          call.cancel();
          reject(err);
        });
    });
    call.on("error", (err) => {
      if (!done) reject(err);
    });
    call.on("end", () => {
      if (!done) chain.then(resolve);
    });
  });
  client.close();
}

main().catch((err) => {
  console.error(`police_dispatch.js: ${err.code !== undefined ? `gRPC ${err.code} ` : ""}${err.message}`);
  process.exit(1);
});
