#pragma once

#include <QFrame>
#include <QString>

namespace farmchat {

// A one-line label that ends with "…" when its text does not fit, instead of
// being cut mid-word, and then shows the whole text as its tooltip. Pane
// headers use it: with eight panes on a small screen each header is narrow.
class ElidedLabel : public QFrame
{
    Q_OBJECT
public:
    explicit ElidedLabel(QWidget *parent = nullptr);

    QString text() const { return m_text; }
    void setText(const QString &text);
    // Shown when the whole text fits; the whole text is shown when it does not.
    void setDetail(const QString &detail);
    bool isElided() const;
    // What is drawn: the text, or its start and "…".
    QString shownText() const;

    QSize sizeHint() const override;
    QSize minimumSizeHint() const override;

protected:
    void paintEvent(QPaintEvent *event) override;
    void resizeEvent(QResizeEvent *event) override;

private:
    void updateToolTip();
    int textWidth(const QString &text) const;

    QString m_text;
    QString m_detail;
};

} // namespace farmchat
