package org.vertxasyncio.service.store;

import java.util.function.Supplier;

/**
 * An event for the cluster's event log ({@code GET /events}), written by the store in the transaction of the
 * change it describes: its SSE type ({@code task.done}), the task it is about (or null), and its data,
 * encoded when the store writes it (on the store's thread: the supplier must read an immutable snapshot).
 */
public record LoggedEvent(String type, String taskId, Supplier<String> data) {
}
