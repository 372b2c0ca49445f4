/**
 * The binary {@code kexec_op} ABI (spec §1, §2): one record per {@code xen_kexec_*} structure in
 * its native 64-bit layout ({@link dev.jkexec.core.abi.AbiStruct}), reading a call's argument from
 * guest memory ({@link dev.jkexec.core.abi.KexecRequests}), the hypercall dispatcher
 * ({@link dev.jkexec.core.abi.KexecHypercall}: 0 / 1 / -errno, never an exception for bad input),
 * and request files for tools and tests ({@link dev.jkexec.core.abi.AbiRequestFile},
 * {@link dev.jkexec.core.abi.AbiRequests}).
 */
package dev.jkexec.core.abi;
