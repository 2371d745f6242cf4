// Tracer providers made by @arizeai/phoenix-otel's register(), pointing at
// Ember over OTLP/HTTP (its default exporter) or OTLP/gRPC.
import { OTLPTraceExporter as OTLPGrpcTraceExporter } from "@opentelemetry/exporter-trace-otlp-grpc";
import { BatchSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { register } from "@arizeai/phoenix-otel";

/** register() as a user would: OTLP/HTTP protobuf to `${url}/v1/traces`. */
export function registerHttp({ url, projectName, batch = true }) {
  const provider = register({ url, projectName, batch });
  return { provider, tracer: provider.getTracer("ember-compat") };
}

/** register() with an OTLP/gRPC exporter to Ember's gRPC port. */
export function registerGrpc({ grpcUrl, projectName }) {
  const exporter = new OTLPGrpcTraceExporter({ url: grpcUrl });
  const provider = register({
    projectName,
    spanProcessors: [new BatchSpanProcessor(exporter)],
  });
  return { provider, tracer: provider.getTracer("ember-compat") };
}

/**
 * Sends spans with a fresh register()ed provider, then flushes and shuts it
 * down (which also detaches it from the OTel globals).
 */
export async function sendWith({ provider, tracer }, emit) {
  try {
    return await emit(tracer, provider);
  } finally {
    await provider.forceFlush();
    await provider.shutdown();
  }
}
