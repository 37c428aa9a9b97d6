"""The public message board (厅长我留言): citizens' questions, suggestions and criticism,
moderated for personal data and abuse before they show, answered publicly by an office
within a configured number of working days."""
