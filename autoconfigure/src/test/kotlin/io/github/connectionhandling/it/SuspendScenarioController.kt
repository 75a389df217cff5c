package io.github.connectionhandling.it

import io.github.connectionhandling.ConnectionStatus
import io.github.connectionhandling.TimeLimit
import kotlinx.coroutines.delay
import org.springframework.web.bind.annotation.GetMapping
import org.springframework.web.bind.annotation.RequestParam
import org.springframework.web.bind.annotation.RestController
import kotlin.coroutines.cancellation.CancellationException

/**
 * Kotlin `suspend` handlers, which Spring MVC runs as a `Mono`: each records how its
 * coroutine ended under its tag.
 */
@RestController
class SuspendScenarioController(private val events: Events) {

	private fun track(status: ConnectionStatus, tag: String) {
		events.add(tag, "started")
		events.add(tag, "thread:" + Thread.currentThread().name)
		status.onClose { s -> events.add(tag, "close:" + s.bits() + ":" + Thread.currentThread().name) }
		status.onShutdown { s -> events.add(tag, "shutdown:" + s.bits()) }
	}

	/** Suspends for 30 s: longer than any test waits, unless the coroutine is cancelled. */
	@GetMapping("/kt/suspend")
	suspend fun suspendLong(status: ConnectionStatus, @RequestParam tag: String): String {
		track(status, tag)
		try {
			delay(30_000)
			events.add(tag, "late")
			return "late"
		}
		catch (ex: CancellationException) {
			events.add(tag, "cancelled:" + status.bits())
			throw ex
		}
		finally {
			events.add(tag, "finally")
		}
	}

	@TimeLimit("1s")
	@GetMapping("/kt/limited")
	suspend fun limited(status: ConnectionStatus, @RequestParam tag: String): String = suspendLong(status, tag)

	/** The bits `ConnectionStatus.current()` gives before and after a suspension. */
	@GetMapping("/kt/context")
	suspend fun context(): String {
		val before = bits()
		delay(10)
		return before + ";" + bits()
	}

	private fun bits(): String =
		try {
			ConnectionStatus.current().bits().toString()
		}
		catch (ex: IllegalStateException) {
			"none"
		}

}
