/// Lays rows of cells out as left-aligned columns two spaces apart, for terminal output.
enum TextColumns {
    /// One line per row; no trailing spaces, so empty last cells leave no ragged whitespace.
    static func align(_ rows: [[String]]) -> String {
        let columnCount = rows.map(\.count).max() ?? 0
        let widths = (0..<columnCount).map { column in
            rows.map { column < $0.count ? $0[column].count : 0 }.max() ?? 0
        }
        return rows.map { row in
            var line = ""
            for (column, cell) in row.enumerated() {
                let isLast = row[(column + 1)...].allSatisfy(\.isEmpty)
                line += cell
                if isLast { break }
                line += String(repeating: " ", count: widths[column] - cell.count + 2)
            }
            return line
        }.joined(separator: "\n")
    }
}
