#pragma once

#include "core/result.h"

#include <QList>
#include <QMap>
#include <QString>
#include <QStringList>

#include <functional>
#include <optional>

namespace farmchat {

// The whole numbers an integer option accepts.
struct IntegerRange
{
    qint64 min = 0;
    qint64 max = 0;
    // Also "0" and "auto", both meaning 0: "pick one for me".
    bool acceptsAuto = false;
};

// One row of a program's option table: the option's name, the value it takes,
// its default and its line in --help. The factories give each kind of value
// its check, so a program only ever sees values that passed it.
struct CommandLineOption
{
    // Reads one given value into the program's options, or says what is
    // wrong with it; CommandLine puts "--name: " in front.
    using Reader = std::function<Result<void>(const QString &value)>;

    QString name; // without the dashes
    QChar shortName; // -h, -v; most options have none
    QString valueName; // "N", "P|auto"; empty: a switch without a value
    QString help;
    QString defaultText; // shown as "(default: …)"; empty: not shown
    bool repeatable = false; // else a value option given twice is a usage error
    Reader read; // empty for switches: the program asks CommandLine::isSet()

    static CommandLineOption flag(QString name, QString help);
    static CommandLineOption text(QString name, QString valueName, QString help, Reader read);
    static CommandLineOption integer(QString name, QString valueName, QString help,
        IntegerRange range, std::function<void(qint64)> store);
    // An integer option stored in `target`, whose value is the default shown.
    template<typename Int>
    static CommandLineOption integer(
        QString name, QString valueName, QString help, IntegerRange range, Int &target)
    {
        CommandLineOption option = integer(std::move(name), std::move(valueName), std::move(help),
            range, [&target](qint64 value) { target = Int(value); });
        option.defaultText = QString::number(target);
        return option;
    }
    // A value read by `parse`, whose error follows "--name: ".
    template<typename T>
    static CommandLineOption parsed(QString name, QString valueName, QString help,
        std::function<Result<T>(const QString &)> parse, std::function<void(T)> store)
    {
        return text(std::move(name), std::move(valueName), std::move(help),
            [parse = std::move(parse), store = std::move(store)](
                const QString &value) -> Result<void> {
                Result<T> parsedValue = parse(value);
                if (!parsedValue)
                    return Result<void>::failure(parsedValue.error());
                store(std::move(parsedValue).value());
                return {};
            });
    }

    CommandLineOption &withDefault(QString text);
    CommandLineOption &allowRepeats();
};

// What a command line asks a program to do: run with `options` after printing
// each of `warnings`, or print `output` (--help, --version) and exit. The
// programs' parsers return it as a Result whose error is a usage error.
template<typename Options> struct CommandLineRequest
{
    std::optional<Options> options;
    QString output;
    QStringList warnings;

    static CommandLineRequest run(Options options, QStringList warnings = {})
    {
        return {std::move(options), {}, std::move(warnings)};
    }
    static CommandLineRequest print(QString output)
    {
        return {std::nullopt, std::move(output), {}};
    }
};

// The command line of one program: its option table, and the one place that
// reads arguments against it, writes --help from it and words usage errors.
// farmchat-node, farmchat-launcher and farmchat each build one; options two
// programs share are shared definitions (launcher/farmflags.h,
// protocol/backplaneoption.h). Every program has -h/--help and -v/--version.
class CommandLine
{
public:
    static constexpr int kUsageErrorStatus = 2;

    CommandLine(QString program, QString version, QString summary, QList<CommandLineOption> options,
        QString epilogue = {});

    // Reads `arguments` (without the program's name): each given value goes
    // through its option's reader, in the order of the table. A usage error
    // is one line that names the option. Nothing is read when --help or
    // --version is given.
    Result<void> parse(const QStringList &arguments);
    bool isSet(const QString &name) const;
    // The long names of every option given, in no particular order.
    QStringList givenNames() const;
    // The text --help or --version asks for; nullopt when neither was given.
    std::optional<QString> requestedText() const;
    QString helpText() const;

    // When the program ends without running, its exit status: 2 after a
    // usage error, 0 after --help or --version.
    template<typename Options>
    static std::optional<int> exitStatus(const Result<CommandLineRequest<Options>> &request)
    {
        if (!request)
            return kUsageErrorStatus;
        if (!request->options)
            return 0;
        return std::nullopt;
    }
    // For main(): prints what `request` says, as `program`, and returns the
    // exit status when the program ends here; nullopt when it is to run.
    template<typename Options>
    static std::optional<int> finish(
        const QString &program, const Result<CommandLineRequest<Options>> &request)
    {
        if (!request)
            printUsageError(program, request.error());
        else if (!request->options)
            printOutput(request->output);
        else
            printWarnings(program, request->warnings);
        return exitStatus(request);
    }

private:
    static void printUsageError(const QString &program, const QString &error);
    static void printOutput(const QString &output);
    static void printWarnings(const QString &program, const QStringList &warnings);

    Result<void> collect(const QStringList &arguments);
    Result<void> readValues() const;
    const CommandLineOption *find(QStringView name) const;

    QString m_program;
    QString m_version;
    QString m_summary;
    QList<CommandLineOption> m_options;
    QString m_epilogue;
    QMap<QString, QStringList> m_given; // option name -> the values given, in order
};

} // namespace farmchat
