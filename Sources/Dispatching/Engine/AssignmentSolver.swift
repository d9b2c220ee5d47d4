/// Minimum-cost assignment of rows to columns (the linear sum assignment problem), for a dense
/// rectangular cost matrix: every row gets a distinct column when rows ≤ columns (every column a
/// distinct row otherwise), and the total cost is the least possible.
///
/// Shortest augmenting paths with potentials (Jonker–Volgenant, in the rectangular form of
/// Crouse, "On implementing 2D rectangular assignment algorithms", 2016 — the algorithm SciPy's
/// `linear_sum_assignment` uses). Each row is added by a Dijkstra search over reduced costs that
/// stops at the first free column, so with many more couriers than orders most searches are short.
/// Hand-written: no mirrored package solves assignment problems.
public enum AssignmentSolver {
    public enum Failure: Error, Equatable {
        /// A cost is NaN or −∞, or the matrix is not rows × columns.
        case invalidCosts
        /// Forbidden pairs (+∞) leave no complete assignment.
        case infeasible
    }

    /// `costs` is row-major, `rows × columns`; `+∞` forbids a pair. Returns, for each row, its
    /// column, or nil for rows left out because there are more rows than columns.
    public static func solve(costs: [Double], rows: Int, columns: Int) throws(Failure) -> [Int?] {
        guard rows >= 0, columns >= 0, costs.count == rows * columns, !costs.contains(where: { $0.isNaN || $0 == -.infinity }) else {
            throw .invalidCosts
        }
        if rows == 0 || columns == 0 { return Array(repeating: nil, count: rows) }
        if rows <= columns { return try solveWide(costs, rows: rows, columns: columns).map { $0 } }
        // More rows than columns: solve the transpose, then read it back per row.
        var transposed = [Double](repeating: 0, count: costs.count)
        for r in 0..<rows {
            for c in 0..<columns { transposed[c * rows + r] = costs[r * columns + c] }
        }
        let rowForColumn = try solveWide(transposed, rows: columns, columns: rows)
        var answer = [Int?](repeating: nil, count: rows)
        for (column, row) in rowForColumn.enumerated() { answer[row] = column }
        return answer
    }

    /// The total cost of an assignment as `solve` returns it.
    public static func total(_ assignment: [Int?], costs: [Double], columns: Int) -> Double {
        assignment.enumerated().reduce(0) { sum, pair in pair.element.map { sum + costs[pair.offset * columns + $0] } ?? sum }
    }

    /// rows ≤ columns. Returns the column of every row.
    private static func solveWide(_ costs: [Double], rows: Int, columns: Int) throws(Failure) -> [Int] {
        var u = [Double](repeating: 0, count: rows)
        var v = [Double](repeating: 0, count: columns)
        var shortest = [Double](repeating: .infinity, count: columns)
        var path = [Int](repeating: -1, count: columns)
        var columnOfRow = [Int](repeating: -1, count: rows)
        var rowOfColumn = [Int](repeating: -1, count: columns)
        var scannedRow = [Bool](repeating: false, count: rows)
        var scannedColumn = [Bool](repeating: false, count: columns)
        var remaining = [Int](repeating: 0, count: columns)

        let failed: Bool = costs.withUnsafeBufferPointer { cost in
            u.withUnsafeMutableBufferPointer { u in
                v.withUnsafeMutableBufferPointer { v in
                    shortest.withUnsafeMutableBufferPointer { shortest in
                        path.withUnsafeMutableBufferPointer { path in
                            columnOfRow.withUnsafeMutableBufferPointer { columnOfRow in
                                rowOfColumn.withUnsafeMutableBufferPointer { rowOfColumn in
                                    scannedRow.withUnsafeMutableBufferPointer { scannedRow in
                                        scannedColumn.withUnsafeMutableBufferPointer { scannedColumn in
                                            remaining.withUnsafeMutableBufferPointer { remaining in
                                                for current in 0..<rows {
                                                    // Dijkstra over reduced costs from `current` to the nearest free column.
                                                    var minimum = 0.0
                                                    var row = current
                                                    var left = columns
                                                    for j in 0..<columns {
                                                        remaining[j] = columns - 1 - j
                                                        shortest[j] = .infinity
                                                        scannedColumn[j] = false
                                                    }
                                                    for i in 0..<rows { scannedRow[i] = false }
                                                    var sink = -1
                                                    while sink == -1 {
                                                        scannedRow[row] = true
                                                        var lowest = Double.infinity
                                                        var index = -1
                                                        let base = row * columns
                                                        let ur = u[row]
                                                        for it in 0..<left {
                                                            let j = remaining[it]
                                                            let reduced = minimum + cost[base + j] - ur - v[j]
                                                            if reduced < shortest[j] {
                                                                path[j] = row
                                                                shortest[j] = reduced
                                                            }
                                                            let s = shortest[j]
                                                            if s < lowest || (s == lowest && rowOfColumn[j] == -1) {
                                                                lowest = s
                                                                index = it
                                                            }
                                                        }
                                                        minimum = lowest
                                                        if minimum == .infinity { return true }
                                                        let j = remaining[index]
                                                        if rowOfColumn[j] == -1 { sink = j } else { row = rowOfColumn[j] }
                                                        scannedColumn[j] = true
                                                        left -= 1
                                                        remaining[index] = remaining[left]
                                                    }
                                                    // Update the potentials, then flip the path.
                                                    u[current] += minimum
                                                    for i in 0..<rows where scannedRow[i] && i != current {
                                                        u[i] += minimum - shortest[columnOfRow[i]]
                                                    }
                                                    for j in 0..<columns where scannedColumn[j] {
                                                        v[j] -= minimum - shortest[j]
                                                    }
                                                    var j = sink
                                                    while true {
                                                        let i = path[j]
                                                        rowOfColumn[j] = i
                                                        let previous = columnOfRow[i]
                                                        columnOfRow[i] = j
                                                        j = previous
                                                        if i == current { break }
                                                    }
                                                }
                                                return false
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        if failed { throw .infeasible }
        return columnOfRow
    }
}
