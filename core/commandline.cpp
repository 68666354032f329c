#include "core/commandline.h"

#include <algorithm>
#include <cstdio>

namespace farmchat {

namespace {

constexpr qsizetype kHelpWidth = 79;
constexpr qsizetype kMaxNameColumn = 28;

QStringList wrapWords(const QString &text, qsizetype width)
{
    QStringList lines;
    QString line;
    for (const QString &word : text.split(u' ', Qt::SkipEmptyParts)) {
        if (!line.isEmpty() && line.size() + 1 + word.size() > width) {
            lines << line;
            line.clear();
        }
        if (!line.isEmpty())
            line += u' ';
        line += word;
    }
    if (!line.isEmpty())
        lines << line;
    return lines;
}

// "  -h, --help", "  --nodes N": the left column of an option's help line.
QString optionSyntax(const CommandLineOption &option)
{
    QString syntax = QStringLiteral("  ");
    if (!option.shortName.isNull())
        syntax += u'-' + QString(option.shortName) + QStringLiteral(", ");
    syntax += QStringLiteral("--") + option.name;
    if (!option.valueName.isEmpty())
        syntax += u' ' + option.valueName;
    return syntax;
}

QString describeRange(const IntegerRange &range)
{
    QString text = QStringLiteral("a whole number from %1 to %2").arg(range.min).arg(range.max);
    if (range.acceptsAuto)
        text += QStringLiteral(", 0 or auto");
    return text;
}

Result<qint64> readInteger(const QString &text, const IntegerRange &range)
{
    const QString trimmed = text.trimmed();
    if (range.acceptsAuto
        && (trimmed.compare(u"auto", Qt::CaseInsensitive) == 0 || trimmed == u"0"))
        return qint64(0);
    bool ok = false;
    const qint64 value = trimmed.toLongLong(&ok);
    if (!ok || value < range.min || value > range.max)
        return Result<qint64>::failure(
            QStringLiteral("must be %1, not '%2'").arg(describeRange(range), text));
    return value;
}

void writeLine(std::FILE *stream, const QString &text)
{
    QByteArray bytes = text.toLocal8Bit();
    if (!bytes.endsWith('\n'))
        bytes += '\n';
    std::fwrite(bytes.constData(), 1, std::size_t(bytes.size()), stream);
    std::fflush(stream);
}

} // namespace

CommandLineOption CommandLineOption::flag(QString name, QString help)
{
    CommandLineOption option;
    option.name = std::move(name);
    option.help = std::move(help);
    return option;
}

CommandLineOption CommandLineOption::text(
    QString name, QString valueName, QString help, Reader read)
{
    CommandLineOption option = flag(std::move(name), std::move(help));
    option.valueName = std::move(valueName);
    option.read = std::move(read);
    return option;
}

CommandLineOption CommandLineOption::integer(QString name, QString valueName, QString help,
    IntegerRange range, std::function<void(qint64)> store)
{
    return text(std::move(name), std::move(valueName), std::move(help),
        [range, store = std::move(store)](const QString &value) -> Result<void> {
            const Result<qint64> number = readInteger(value, range);
            if (!number)
                return Result<void>::failure(number.error());
            store(number.value());
            return {};
        });
}

CommandLineOption &CommandLineOption::withDefault(QString text)
{
    defaultText = std::move(text);
    return *this;
}

CommandLineOption &CommandLineOption::allowRepeats()
{
    repeatable = true;
    return *this;
}

CommandLine::CommandLine(QString program, QString version, QString summary,
    QList<CommandLineOption> options, QString epilogue)
    : m_program(std::move(program))
    , m_version(std::move(version))
    , m_summary(std::move(summary))
    , m_options(std::move(options))
    , m_epilogue(std::move(epilogue))
{
    CommandLineOption helpOption
        = CommandLineOption::flag(QStringLiteral("help"), QStringLiteral("show this help"));
    helpOption.shortName = u'h';
    CommandLineOption versionOption
        = CommandLineOption::flag(QStringLiteral("version"), QStringLiteral("show the version"));
    versionOption.shortName = u'v';
    m_options << helpOption << versionOption;
}

Result<void> CommandLine::parse(const QStringList &arguments)
{
    m_given.clear();
    if (Result<void> collected = collect(arguments); !collected)
        return collected;
    if (requestedText())
        return {};
    return readValues();
}

// Sorts the arguments into the options they name: "--name value",
// "--name=value", "-name" (one dash works too) and the short names.
Result<void> CommandLine::collect(const QStringList &arguments)
{
    for (qsizetype i = 0; i < arguments.size(); ++i) {
        const QString &argument = arguments[i];
        if (argument == u"--" || !argument.startsWith(u'-') || argument.size() == 1) {
            const QString extra = argument == u"--" ? arguments.value(i + 1) : argument;
            if (extra.isNull())
                break;
            return Result<void>::failure(QStringLiteral("unexpected argument '%1'").arg(extra));
        }
        const qsizetype dashes = argument.startsWith(u"--") ? 2 : 1;
        const qsizetype equals = argument.indexOf(u'=', dashes);
        const QString typed = argument.left(equals < 0 ? argument.size() : equals);
        const CommandLineOption *option = find(QStringView(typed).mid(dashes));
        if (!option)
            return Result<void>::failure(typed + QStringLiteral(": unknown option"));
        const QString label = QStringLiteral("--") + option->name;
        if (option->valueName.isEmpty()) {
            if (equals >= 0)
                return Result<void>::failure(label + QStringLiteral(": takes no value"));
            m_given[option->name] << QString();
        } else if (equals >= 0) {
            m_given[option->name] << argument.mid(equals + 1);
        } else if (i + 1 < arguments.size()) {
            m_given[option->name] << arguments[++i];
        } else {
            return Result<void>::failure(
                label + QStringLiteral(": needs a value (%1)").arg(option->valueName));
        }
        if (!option->valueName.isEmpty() && !option->repeatable && m_given[option->name].size() > 1)
            return Result<void>::failure(label + QStringLiteral(": given more than once"));
    }
    return {};
}

Result<void> CommandLine::readValues() const
{
    for (const CommandLineOption &option : m_options) {
        if (!option.read)
            continue;
        for (const QString &value : m_given.value(option.name)) {
            if (const Result<void> read = option.read(value); !read)
                return Result<void>::failure(
                    QStringLiteral("--%1: %2").arg(option.name, read.error()));
        }
    }
    return {};
}

const CommandLineOption *CommandLine::find(QStringView name) const
{
    const auto it = std::find_if(
        m_options.cbegin(), m_options.cend(), [name](const CommandLineOption &option) {
            return option.name == name || (name.size() == 1 && option.shortName == name.front());
        });
    return it == m_options.cend() ? nullptr : &*it;
}

bool CommandLine::isSet(const QString &name) const
{
    return m_given.contains(name);
}

QStringList CommandLine::givenNames() const
{
    return m_given.keys();
}

std::optional<QString> CommandLine::requestedText() const
{
    if (isSet(QStringLiteral("help")))
        return helpText();
    if (isSet(QStringLiteral("version")))
        return QStringLiteral("%1 %2\n").arg(m_program, m_version);
    return std::nullopt;
}

QString CommandLine::helpText() const
{
    qsizetype column = 0;
    for (const CommandLineOption &option : m_options)
        column = std::max(column, optionSyntax(option).size() + 2);
    column = std::min(column, kMaxNameColumn);

    QString text = QStringLiteral("Usage: %1 [options]\n\n").arg(m_program) + m_summary
        + QStringLiteral("\n\nOptions:\n");
    for (const CommandLineOption &option : m_options) {
        QString line = optionSyntax(option);
        QString help = option.help;
        if (option.repeatable)
            help += QStringLiteral(" (repeatable)");
        if (!option.defaultText.isEmpty())
            help += QStringLiteral(" (default: %1)").arg(option.defaultText);
        const QStringList wrapped = wrapWords(help, kHelpWidth - column);
        if (line.size() + 2 > column) {
            text += line + u'\n';
            line.clear();
        }
        for (const QString &part : wrapped) {
            text += line.leftJustified(column) + part + u'\n';
            line.clear();
        }
    }
    if (!m_epilogue.isEmpty())
        text += u'\n' + m_epilogue;
    return text;
}

void CommandLine::printUsageError(const QString &program, const QString &error)
{
    writeLine(stderr, QStringLiteral("%1: %2\nTry '%1 --help'.").arg(program, error));
}

void CommandLine::printOutput(const QString &output)
{
    writeLine(stdout, output);
}

void CommandLine::printWarnings(const QString &program, const QStringList &warnings)
{
    for (const QString &warning : warnings)
        writeLine(stderr, QStringLiteral("%1: %2").arg(program, warning));
}

} // namespace farmchat
