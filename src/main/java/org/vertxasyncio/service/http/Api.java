package org.vertxasyncio.service.http;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.ext.healthchecks.HealthChecks;
import java.util.function.BooleanSupplier;
import org.vertxasyncio.service.config.ServiceConfig;
import org.vertxasyncio.service.events.EventHub;
import org.vertxasyncio.service.loops.LoopRegistry;
import org.vertxasyncio.service.tasks.TaskRegistry;
import org.vertxasyncio.service.tasks.TaskService;
import org.vertxasyncio.service.webhooks.WebhookGuard;

/** What the HTTP handlers work with; made by the verticle, handed to {@link Routes#router}. */
public record Api(ServiceConfig config, TaskService tasks, TaskRegistry registry, LoopRegistry loops, EventHub events,
    WebhookGuard webhookGuard, PrometheusMeterRegistry prometheus, HealthChecks liveness, HealthChecks readiness,
    String openapiYaml, BooleanSupplier draining) {
}
