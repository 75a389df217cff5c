package io.github.connectionhandling.container.tomcat;

import java.lang.invoke.MethodHandle;
import java.util.concurrent.atomic.AtomicBoolean;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.apache.coyote.ActionCode;
import org.apache.coyote.ActionHook;
import org.apache.coyote.Request;
import org.jspecify.annotations.Nullable;

/**
 * Stands between an HTTP/2 stream's coyote request and its {@code StreamProcessor} to see
 * the stream fail. Tomcat 11 has one path for both a {@code RST_STREAM} from the client
 * and a lost connection ({@code Http2UpgradeHandler.close()} resets every stream):
 * {@code Stream.receiveReset} → {@code StreamInputBuffer.receiveReset}, which sets the
 * request's {@code ERROR_EXCEPTION} and calls {@code action(DISPATCH_ERROR)} on this hook,
 * on the connection's thread, whether the request is async or blocking. Every action is
 * passed on first, unchanged: Tomcat's own handling stays as it was.
 */
final class TomcatStreamHook implements ActionHook {

	private static final Log logger = LogFactory.getLog(TomcatStreamHook.class);

	private final ActionHook processor;

	private final Request request;

	private final MethodHandle getHook;

	private final MethodHandle setHook;

	private final Runnable onFailure;

	private final AtomicBoolean failed = new AtomicBoolean();

	private TomcatStreamHook(ActionHook processor, Request request, MethodHandle getHook, MethodHandle setHook,
			Runnable onFailure) {
		this.processor = processor;
		this.request = request;
		this.getHook = getHook;
		this.setHook = setHook;
		this.onFailure = onFailure;
	}

	/**
	 * Put a hook on a stream's request that runs a callback once when the stream fails.
	 * @param request the stream's coyote request
	 * @param processor its current hook, the stream's processor
	 * @param getHook the getter of {@code Request.hook}
	 * @param setHook its setter
	 * @param onFailure what to run
	 * @return what takes the hook off again, or {@code null} if it could not be put on
	 */
	static @Nullable Runnable install(Request request, ActionHook processor, MethodHandle getHook,
			MethodHandle setHook, Runnable onFailure) {
		TomcatStreamHook hook = new TomcatStreamHook(processor, request, getHook, setHook, onFailure);
		if (!hook.set(hook)) {
			return null;
		}
		return hook::uninstall;
	}

	/** The processor behind a request's hook, whether or not this hook is on it. */
	static @Nullable Object processorOf(@Nullable Object hook) {
		return (hook instanceof TomcatStreamHook streamHook) ? streamHook.processor : hook;
	}

	@Override
	public void action(ActionCode actionCode, Object param) {
		this.processor.action(actionCode, param);
		if (actionCode == ActionCode.DISPATCH_ERROR && this.failed.compareAndSet(false, true)) {
			try {
				this.onFailure.run();
			}
			catch (RuntimeException ex) {
				logger.warn("Cannot report the failure of an HTTP/2 stream", ex);
			}
		}
	}

	/**
	 * Give the request its processor back (the request ended), so that Tomcat recycles it
	 * as it would without this hook.
	 */
	private void uninstall() {
		this.failed.set(true);
		try {
			// Tomcat may have recycled the request for another stream meanwhile.
			if ((ActionHook) this.getHook.invokeExact(this.request) == this) {
				set(this.processor);
			}
		}
		catch (Throwable ex) {
			logger.debug("Cannot read the hook of a Tomcat request", ex);
		}
	}

	private boolean set(ActionHook hook) {
		try {
			this.setHook.invokeExact(this.request, hook);
			return true;
		}
		catch (Throwable ex) {
			// Fail soft: without the hook a reset stream is noticed at its next write.
			logger.warn("Cannot set the hook of a Tomcat request; HTTP/2 stream resets are noticed at the next write",
					ex);
			return false;
		}
	}

}
