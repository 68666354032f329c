#pragma once

#include "app/logbuffer.h"

#include <QWidget>

class QCheckBox;
class QComboBox;
class QLineEdit;
class QPlainTextEdit;

namespace farmchat {

// The Logs dock: the farm's process output (LogBuffer, fed from
// FarmSupervisor::logLine), filtered by process and by text, with a follow
// mode that keeps the newest line in sight. Bounded by the buffer's capacity
// (QPlainTextEdit::setMaximumBlockCount).
class LogsView : public QWidget
{
    Q_OBJECT
public:
    explicit LogsView(LogBuffer &buffer, QWidget *parent = nullptr);

    QPlainTextEdit *text() const { return m_text; }
    QComboBox *processFilter() const { return m_process; }
    QLineEdit *textFilter() const { return m_filter; }
    QCheckBox *follow() const { return m_follow; }

private:
    void refilter();
    void onLine(const LogBuffer::Line &line);
    QString processChoice() const;

    LogBuffer &m_buffer;
    QComboBox *m_process;
    QLineEdit *m_filter;
    QCheckBox *m_follow;
    QPlainTextEdit *m_text;
};

} // namespace farmchat
