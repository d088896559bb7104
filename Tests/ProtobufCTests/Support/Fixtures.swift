import ConformanceMessages

/// Messages with every field kind set, each with the text format protoc-c reads for it.
enum Fixtures {
    typealias AllTypes = Zrpc_Test_AllTypes
    typealias Nested = Zrpc_Test_AllTypes.Nested

    struct Case: CustomStringConvertible, Sendable {
        let name: String
        let text: String
        let value: AllTypes
        var description: String { name }
    }

    static let nested = Nested(a: 7, b: "nested", inner: .init(kind: .deep, notes: ["x", "", "z"]))

    static let cases: [Case] = [
        Case(name: "empty", text: "", value: AllTypes()),
        Case(
            name: "scalars",
            text: """
                f_double: -2.25e10 f_float: 1.5 f_int64: -9223372036854775808 f_uint64: 18446744073709551615
                f_int32: -2147483648 f_fixed64: 18446744073709551615 f_fixed32: 4294967295 f_bool: true
                f_string: "h\\303\\251llo \\342\\234\\223" f_bytes: "\\000\\001\\377" f_uint32: 4294967295
                f_sfixed32: -2147483648 f_sfixed64: -9223372036854775808 f_sint32: -2147483648
                f_sint64: -9223372036854775808 f_enum: COLOR_DARK_GREEN
                """,
            value: AllTypes(
                fDouble: -2.25e10,
                fFloat: 1.5,
                fInt64: .min,
                fUint64: .max,
                fInt32: .min,
                fFixed64: .max,
                fFixed32: .max,
                fBool: true,
                fString: "héllo ✓",
                fBytes: [0, 1, 255],
                fUint32: .max,
                fSfixed32: .min,
                fSfixed64: .min,
                fSint32: .min,
                fSint64: .min,
                fEnum: .darkGreen
            )
        ),
        Case(
            name: "positive edges",
            text:
                "f_int64: 9223372036854775807 f_int32: 2147483647 f_sint32: 2147483647 f_sint64: 9223372036854775807 f_double: 1e-300",
            value: AllTypes(fDouble: 1e-300, fInt64: .max, fInt32: .max, fSint32: .max, fSint64: .max)
        ),
        Case(
            name: "enums: negative, unknown, imported",
            text: "f_enum: COLOR_NEGATIVE f_imported_enum: PRIORITY_HIGH r_enum: [COLOR_RED, 42, COLOR_NEGATIVE]",
            value: AllTypes(fEnum: .negative, fImportedEnum: .high, rEnum: [.red, .unrecognized(42), .negative])
        ),
        Case(
            name: "unknown enum value survives",
            text: "f_enum: 99",
            value: AllTypes(fEnum: .unrecognized(99))
        ),
        Case(
            name: "messages: nested, imported",
            text: """
                f_nested { a: 7 b: "nested" inner { kind: KIND_DEEP notes: "x" notes: "" notes: "z" } }
                f_imported { key: "k" value: "v" priority: PRIORITY_LOW }
                """,
            value: AllTypes(fNested: nested, fImported: .init(key: "k", value: "v", priority: .low))
        ),
        Case(
            name: "present but empty message",
            text: "f_nested { }",
            value: AllTypes(fNested: Nested())
        ),
        Case(
            name: "repeated, packed",
            text: """
                r_double: [1.5, -0.25] r_float: [2.5] r_int64: [-1, 0, 9223372036854775807] r_uint64: [18446744073709551615]
                r_int32: [-1, 1] r_fixed64: [1, 2] r_fixed32: [3] r_bool: [true, false, true]
                r_string: ["a", "", "\\303\\274"] r_bytes: ["\\000", ""] r_uint32: [4294967295] r_sfixed32: [-5]
                r_sfixed64: [-6] r_sint32: [-7, 7] r_sint64: [-8] r_nested: [{ a: 1 }, { }, { b: "two" }]
                """,
            value: AllTypes(
                rDouble: [1.5, -0.25],
                rFloat: [2.5],
                rInt64: [-1, 0, .max],
                rUint64: [.max],
                rInt32: [-1, 1],
                rFixed64: [1, 2],
                rFixed32: [3],
                rBool: [true, false, true],
                rString: ["a", "", "ü"],
                rBytes: [[0], []],
                rUint32: [.max],
                rSfixed32: [-5],
                rSfixed64: [-6],
                rSint32: [-7, 7],
                rSint64: [-8],
                rNested: [Nested(a: 1), Nested(), Nested(b: "two")]
            )
        ),
        Case(
            name: "repeated, not packed",
            text: "u_int32: [1, -2] u_sint64: [-3] u_enum: [COLOR_RED, 77] u_bool: [false, true] u_double: [0.5]",
            value: AllTypes(
                uInt32: [1, -2],
                uSint64: [-3],
                uEnum: [.red, .unrecognized(77)],
                uBool: [false, true],
                uDouble: [0.5]
            )
        ),
        Case(
            name: "maps",
            text: """
                m_string_int32 { key: "a" value: 1 } m_string_int32 { key: "b" value: -2 }
                m_int32_string { key: -1 value: "minus" } m_int32_string { key: 3 value: "" }
                m_int64_enum { key: 5 value: COLOR_RED } m_int64_enum { key: 6 value: 88 }
                m_uint32_bytes { key: 1 value: "\\377" }
                m_bool_nested { key: false value { a: 2 } } m_bool_nested { key: true value { } }
                m_sint64_double { key: -9 value: 2.5 }
                m_fixed32_tag { key: 4 value { key: "t" } }
                """,
            value: AllTypes(
                mStringInt32: ["a": 1, "b": -2],
                mInt32String: [-1: "minus", 3: ""],
                mInt64Enum: [5: .red, 6: .unrecognized(88)],
                mUint32Bytes: [1: [255]],
                mBoolNested: [false: Nested(a: 2), true: Nested()],
                mSint64Double: [-9: 2.5],
                mFixed32Tag: [4: .init(key: "t")]
            )
        ),
        Case(name: "oneof int32 zero", text: "c_int32: 0", value: AllTypes(choice: .cInt32(0))),
        Case(name: "oneof string empty", text: "c_string: \"\"", value: AllTypes(choice: .cString(""))),
        Case(name: "oneof bytes", text: "c_bytes: \"\\001\"", value: AllTypes(choice: .cBytes([1]))),
        Case(name: "oneof enum", text: "c_enum: COLOR_RED", value: AllTypes(choice: .cEnum(.red))),
        Case(name: "oneof message", text: "c_nested { a: 3 }", value: AllTypes(choice: .cNested(Nested(a: 3)))),
        Case(name: "oneof bool false", text: "c_bool: false", value: AllTypes(choice: .cBool(false))),
        Case(
            name: "keywords and the largest field number",
            text: "default: 5 class: \"c\" f_max_number: 12",
            value: AllTypes(default: 5, class: "c", fMaxNumber: 12)
        ),
    ]
}
