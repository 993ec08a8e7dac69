//! Enums whose every variant has a stable code: the word serde writes, the store keeps and
//! forms send.

/// Declares an enum with a code per variant (`Variant = "code"`) and gives it `ALL` (every
/// variant, in order), `as_str` (the code) and `from_code` (the variant of an exact code).
/// The enum's own attributes (derives, serde) and docs stay as written.
macro_rules! coded_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $code:literal, )+
        }
    ) => {
        $(#[$meta])*
        $vis enum $name {
            $( $(#[$vmeta])* $variant, )+
        }

        impl $name {
            /// Every variant, in the order they are declared.
            pub const ALL: [$name; [$($code),+].len()] = [$($name::$variant),+];

            /// The variant's code.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $code,)+
                }
            }

            /// The variant whose code is exactly `code`.
            pub fn from_code(code: &str) -> Option<$name> {
                $name::ALL.into_iter().find(|v| v.as_str() == code)
            }
        }
    };
}
