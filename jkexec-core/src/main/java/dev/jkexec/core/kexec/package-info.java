/**
 * The kexec core: Xen 4.17's {@code kexec_op} operations over a machine's physical memory
 * ({@code specs/xen-kexec-4.17.md}), with the fixes decided in DESIGN.
 *
 * <ul>
 *   <li>{@link dev.jkexec.core.kexec.Kexec} — the operations (get_range, load, unload, status,
 *       exec, v1), one lock, slots; made from a {@link dev.jkexec.core.kexec.KexecConfig}.</li>
 *   <li>{@link dev.jkexec.core.kexec.ImageRules} — the load rules, one named check per rule with
 *       Xen's errno, in Xen's order.</li>
 *   <li>Where images live: held off-heap (default) or in the crash region (crash); each keeps its
 *       {@link dev.jkexec.core.kexec.ImageDigest} from load.</li>
 *   <li>Exec: {@link dev.jkexec.core.kexec.HandoverPlan} handed to a
 *       {@link dev.jkexec.core.kexec.HandoverTarget}; a damaged image is an
 *       {@link dev.jkexec.core.kexec.ImageDamagedException}.</li>
 *   <li>Page lists: {@link dev.jkexec.core.kexec.PageListBuilder} writes them into staging
 *       (Xen's encoding, {@link dev.jkexec.core.kexec.PageListEntry});
 *       {@link dev.jkexec.core.kexec.PageListWalker} executes one as the firmware does.</li>
 * </ul>
 *
 * Every refusal is a {@link dev.jkexec.core.KexecException} with the errno a Xen toolstack would
 * see and a message naming the field and value.
 */
package dev.jkexec.core.kexec;
