-- One row per inactive Sakila customer with an email address, for a win-back campaign.
select
    customers.customer_id,
    customers.email,
    customers.first_name,
    customers.last_name,
    customers.country,
    customers.store_id,
    customers.payment_count,
    customers.total_paid,
    customers.last_payment_at
from {{ref "sakila_customers"}} as customers
where not customers.is_active
  and customers.email is not null
