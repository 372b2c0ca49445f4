/**
 * The planner: {@link dev.jkexec.image.plan.KexecPlanner} turns a {@link dev.jkexec.image.plan.PlanRequest}
 * (kernel, initrd, command line, memory map, type, entry mode) into an {@link dev.jkexec.image.plan.ImagePlan}:
 * the {@link dev.jkexec.image.KexecImage} for the core and its {@link dev.jkexec.image.plan.ImageLayout} for
 * people. Placement is top-down like kexec-tools ({@link dev.jkexec.image.plan.Placer}); failures to place are
 * {@link dev.jkexec.image.plan.PlacementException}s.
 */
package dev.jkexec.image.plan;
