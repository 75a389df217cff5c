package io.github.connectionhandling.autoconfigure;

import org.jspecify.annotations.Nullable;

/**
 * A {@code connection-handling.*} property has a value the starter cannot work with.
 */
class InvalidPropertyException extends RuntimeException {

	private static final long serialVersionUID = 1L;

	private final String property;

	private final String value;

	private final String accepted;

	InvalidPropertyException(String property, Object value, String accepted) {
		this(property, value, accepted, null);
	}

	InvalidPropertyException(String property, Object value, String accepted, @Nullable String reason) {
		super("Invalid value '" + value + "' for property 'connection-handling." + property + "'"
				+ ((reason != null) ? ": " + reason : ""));
		this.property = "connection-handling." + property;
		this.value = String.valueOf(value);
		this.accepted = accepted;
	}

	String getProperty() {
		return this.property;
	}

	String getValue() {
		return this.value;
	}

	String getAccepted() {
		return this.accepted;
	}

}
