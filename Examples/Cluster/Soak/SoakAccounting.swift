/// What the checks found about the work the soak issued: every confirmed task acked or
/// dead-lettered (lost = 0), no task that was never issued (unexpected = 0), no side effect twice
/// (duplicate effects = 0, from the workers' ledgers).
struct SoakAccounting {
    var issued = 0
    var acked = 0
    var deadLettered = 0
    var lost = 0
    var unexpected = 0
    var duplicateEffects = 0

    var passed: Bool { lost == 0 && unexpected == 0 && duplicateEffects == 0 }
}
