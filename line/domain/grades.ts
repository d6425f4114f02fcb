// Print-quality grades (ISO/IEC 15415 letters) shared by verifiers, the tracker, jobs and the panel.

export type Grade = 'A' | 'B' | 'C' | 'D' | 'F'

/** Best first. */
export const GRADE_ORDER: readonly Grade[] = ['A', 'B', 'C', 'D', 'F']

/** Grades a job may require as its minimum (F is "not decoded", never a passing grade). */
export const MIN_GRADES = ['A', 'B', 'C', 'D'] as const
export type MinGrade = typeof MIN_GRADES[number]

/** true when `grade` is at least `min` (A best, F fail). */
export function gradeAtLeast (grade: Grade, min: Grade): boolean {
  return GRADE_ORDER.indexOf(grade) <= GRADE_ORDER.indexOf(min)
}
