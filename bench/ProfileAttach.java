import com.sun.tools.attach.VirtualMachine;

/**
 * Loads a native agent into a running JVM with its options passed verbatim (bench/profile.sh:
 * async-profiler's start and stop). {@code jcmd <pid> JVMTI.agent_load} cannot: it reads
 * an option containing '=' as an argument of its own.
 *
 * java bench/ProfileAttach.java pid library options
 */
public class ProfileAttach {

	public static void main(String[] args) throws Exception {
		VirtualMachine vm = VirtualMachine.attach(args[0]);
		try {
			vm.loadAgentPath(args[1], args[2]);
		}
		finally {
			vm.detach();
		}
	}

}
