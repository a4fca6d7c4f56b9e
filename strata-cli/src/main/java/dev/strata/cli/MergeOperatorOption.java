package dev.strata.cli;

import dev.strata.MergeOperator;
import dev.strata.MergeOperators;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/**
 * The {@code --merge-operator NAME} option of every command that opens a database: which built-in
 * {@link MergeOperator} the open configures ({@code Options.builder().mergeOperator}), so that
 * reads combine a key's merge operands and {@code merge} can write them. Names: {@code uint64add}
 * ({@link MergeOperators#uint64Add()}), {@code stringappend} with the delimiter {@code ,}, and
 * {@code stringappend:D} with the one-byte delimiter {@code D} (a character, or an escape of
 * {@link DumpFormat}: {@code \t}, {@code \xHH}). A picocli mixin: each command owns its instance,
 * so nothing is shared between commands (the shell's one open uses its own).
 */
final class MergeOperatorOption {
  /** What the option's help and the missing-operator message list. */
  static final String NAMES = "uint64add, stringappend or stringappend:DELIMITER";

  /** The start of the engine's message for a read that meets operands without an operator. */
  private static final Pattern MISSING =
      Pattern.compile(
          "key (\\S+) has merge operands but the database was opened without a merge operator");

  @Option(
      names = "--merge-operator",
      paramLabel = "NAME",
      converter = Converter.class,
      description =
          "The merge operator the database's merge operands were written with: uint64add (8-byte"
              + " little-endian counters), stringappend (joined with ','), or stringappend:D"
              + " (joined with the one-byte delimiter D; \\t and \\xHH escapes allowed).")
  MergeOperator operator;

  /** The operator the user named, or null for none. */
  MergeOperator operator() {
    return operator;
  }

  /**
   * Refuses an operand the operator cannot merge, before it is written: once written, it would
   * fail every read of its key. Only {@code uint64add} constrains operands (8 bytes).
   *
   * @param given the operand as the user typed it, for the message
   * @throws IllegalArgumentException naming the operand and what it should be
   */
  static void checkOperand(MergeOperator op, byte[] operand, String given) {
    if (op.name().equals(MergeOperators.uint64Add().name()) && operand.length != 8) {
      String example = "";
      try {
        example = "; " + given + " as a counter is --hex "
            + ByteText.toHex(MergeOperators.uint64(Long.parseUnsignedLong(given)));
      } catch (NumberFormatException e) {
        // Not a number: no example.
      }
      throw new IllegalArgumentException("uint64add operands are 8 bytes, little-endian; "
          + given + " is " + operand.length + (operand.length == 1 ? " byte" : " bytes")
          + example);
    }
  }

  /**
   * The one line to print when a read met merge operands without an operator, or null if {@code
   * e} (or a cause) is not that failure.
   */
  static String missingOperatorMessage(Throwable e) {
    for (Throwable c = e; c != null; c = c.getCause()) {
      Matcher m = c.getMessage() == null ? null : MISSING.matcher(c.getMessage());
      if (m != null && m.lookingAt()) {
        return "key " + keyText(m.group(1)) + " holds merge operands, which only a merge operator"
            + " can read: pass --merge-operator NAME (" + NAMES + "), the operator they were"
            + " written with";
      }
    }
    return null;
  }

  /** The key of the engine's message (hex, cut with "..." past 32 bytes) as the CLI shows keys. */
  private static String keyText(String hex) {
    if (hex.endsWith("...")) {
      return "with hex " + hex;
    }
    try {
      return DumpFormat.escape(ByteText.fromHex(hex, "key"));
    } catch (IllegalArgumentException e) {
      return hex;
    }
  }

  /**
   * Parses an operator name.
   *
   * @throws IllegalArgumentException for an unknown name or a delimiter that is not one byte
   */
  static MergeOperator parse(String name) {
    if (name.equals("uint64add")) {
      return MergeOperators.uint64Add();
    }
    if (name.equals("stringappend")) {
      return MergeOperators.stringAppend((byte) ',');
    }
    if (name.startsWith("stringappend:")) {
      int from = "stringappend:".length();
      byte[] d;
      try {
        d = DumpFormat.unescape(name, from, name.length());
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("bad delimiter in " + name + ": " + e.getMessage());
      }
      if (d.length != 1) {
        throw new IllegalArgumentException("the delimiter of " + name + " is " + d.length
            + " bytes; stringappend takes one byte (a character, \\t, or \\xHH)");
      }
      return MergeOperators.stringAppend(d[0]);
    }
    throw new IllegalArgumentException("unknown merge operator '" + name + "' (known: " + NAMES
        + ")");
  }

  /** picocli's conversion: a bad name is a usage error (exit code 2). */
  static final class Converter implements CommandLine.ITypeConverter<MergeOperator> {
    @Override
    public MergeOperator convert(String value) {
      try {
        return parse(value);
      } catch (IllegalArgumentException e) {
        throw new CommandLine.TypeConversionException(e.getMessage());
      }
    }
  }
}
